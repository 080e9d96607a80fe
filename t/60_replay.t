# The Kerberos replay cache (NegotiateReplayCache shmcb here): a token is
# accepted once; sent again, or re-wrapped (raw instead of SPNEGO, the
# Microsoft OID, a NegTokenInit of its own), it is refused with a log line.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use NegTest;

plan tests => 17;

my $alice = kinit_user('alice');

my $mark = log_mark();
my $r = python_gss(path => '/krb/whoami', mech => 'spnego', ccache => $alice,
                   send => 'spnego,spnego');
ok t_cmp($r->{statuses}, '200,401', 'the same SPNEGO token twice: accepted once');
ok t_cmp(log_since($mark), qr/NEG0206: refused a replayed Kerberos authenticator of alice\@EXAMPLE\.TEST for HTTP\/localhost\@EXAMPLE\.TEST: the same AP-REQ was accepted before \(NegotiateReplayCache shmcb\)/,
         'the log names the user, the service and the cache');

for my $v (qw(raw msraw respnego)) {
    $mark = log_mark();
    $r = python_gss(path => '/krb/whoami', mech => 'spnego', ccache => $alice,
                    send => "spnego,$v");
    ok t_cmp($r->{statuses}, '200,401', "re-encoded as $v: still a replay");
    ok t_cmp(log_since($mark), qr/NEG0206/, "$v: logged");
}

# Each variant alone is a valid token (the refusals above are replays).
$r = python_gss(path => '/krb/whoami', mech => 'spnego', ccache => $alice, send => 'respnego');
ok t_cmp($r->{statuses}, '200', 'a re-wrapped token on its own is accepted');

# A ticket's realm and service name travel in clear text, and an acceptor
# that finds no key under them tries every key of its keytab: a captured
# token with those names rewritten must not pass as new (the replay key
# covers only what the client cannot change without the session key), and
# names this server has no key for are refused whether or not it is a
# replay.
$mark = log_mark();
$r = python_gss(path => '/krb/whoami', mech => 'spnego', ccache => $alice,
                send => 'spnego,realmx,snamex,realmlc');
ok t_cmp($r->{statuses}, '200,401,401,401',
         'replayed with the realm, the service or the realm\'s case rewritten: refused');
my $log = log_since($mark);
ok t_cmp($log, qr/NEG0203: .*ticket for HTTP\/localhost\@EXAMPLE\.TESX .*no key of the keytab \S+ has that name/,
         'the rewritten realm: no key has that name');
ok t_cmp($log, qr/NEG0203: .*ticket for HTTP\/localhosx\@EXAMPLE\.TEST .*no key of the keytab \S+ has that name/,
         'the rewritten service: no key has that name');
ok t_cmp($log, qr/NEG0206: refused a replayed Kerberos authenticator of alice\@EXAMPLE\.TEST for HTTP\/localhost\@example\.test/,
         'the realm in lower case names the same key: a replay');

# Rewritten first, genuine after: the forgeries are refused without being
# remembered, and the genuine token is accepted once.
$mark = log_mark();
$r = python_gss(path => '/krb/whoami', mech => 'spnego', ccache => $alice,
                send => 'realmx,snamex,spnego,spnego');
ok t_cmp($r->{statuses}, '401,401,200,401', 'forgeries first: refused; the genuine token accepted once');
$log = log_since($mark);
my @tags = $log =~ /\b(NEG\d{4}):/g;
ok t_cmp(join(' ', @tags), 'NEG0203 NEG0203 NEG0206', 'two name refusals, then one replay');
ok t_cmp($log, qr/NEG0206: refused a replayed Kerberos authenticator of alice\@EXAMPLE\.TEST for HTTP\/localhost\@EXAMPLE\.TEST:/,
         'the replay refused is the genuine token sent twice');
ok t_cmp(curl('/krb/whoami', ccache => $alice)->{status}, 200, 'a fresh token still works');

# The Kerberos replay cache (NegotiateReplayCache shmcb here): a token is
# accepted once; sent again, or re-wrapped (raw instead of SPNEGO, the
# Microsoft OID, a NegTokenInit of its own), it is refused with a log line.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use NegTest;

plan tests => 9;

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

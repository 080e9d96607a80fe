# SPNEGO mechanism selection beyond the client's first (RFC 4178 4.2.2 and
# section 5; issue 15): MIT's SPNEGO initiator with NTLMSSP listed before
# Kerberos signs in by Kerberos at a Negotiate:Kerberos location after the
# server's counter-proposal, with the mechListMIC exchange; a NegTokenInit
# with NegoEx first and no token gets accept-incomplete naming krb5; the
# log tells "no usable mechanism" from "no ticket". Persistent-Auth (MS-N2HT
# 3.3.5) on the 200s.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use NegTest;

plan tests => 41;

my $t = t_dir();
my $ntlm_user_file = "$t/tmp/ntlm_user_file.select";
{
    open(my $f, '>', $ntlm_user_file) or die;
    print $f "EXAMPLE:alice:AlicePassw0rd!\n";
}
my $alice = kinit_user('alice');

sub select_client {
    my (%o) = @_;
    my @cmd = ('/usr/bin/python3', "$t/client/spnego_select.py", '--port', port(),
               '--path', $o{path}, '--mode', $o{mode} // 'mit', '--mechs', $o{mechs},
               '--mutual', $o{mutual} // 1,
               ($o{tamper} ? ('--tamper') : ()), ($o{drop} ? ('--drop') : ()),
               ($o{last_path} ? ('--last-path', $o{last_path}) : ()));
    local $ENV{KRB5CCNAME} = "FILE:$alice";
    local $ENV{NTLM_USER_FILE} = $ntlm_user_file;
    return NegTest::run_client(@cmd);
}

# ---- MIT, [NTLMSSP, krb5], mutual authentication: three legs
my $mark = log_mark();
my $r = select_client(path => '/kerbonly/whoami', mechs => 'ntlmssp,krb5');
ok t_cmp($r->{init_prefix}, qr/^Y/, 'MIT sends a NegTokenInit');
ok t_cmp($r->{statuses}, '401,401,200', 'counter-proposal, AP-REP with our MIC, then 200');
ok t_cmp($r->{replies}, 'request-mic/krb5/0/0 accept-incomplete/-/1/1 accept-completed/-/0/0',
         'request-mic naming krb5 without a token; AP-REP and mechListMIC; accept-completed');
ok t_cmp($r->{remote_user}, 'alice@EXAMPLE.TEST', 'signed in by Kerberos');
ok t_cmp($r->{complete}, 1, "the client's SPNEGO context completed (our MIC verified)");
ok t_cmp($r->{persistent_auth}, 'false', 'Persistent-Auth: false (NegotiatePersistKerberos Off)');
my $log = log_since($mark);
ok t_cmp($log, qr/NEG0110: SPNEGO: the client's list is \(ntlmssp, krb5\).*counter-proposed krb5/,
         'the counter-proposal is logged');
ok t_cmp($log, qr/^(?!.*(NEG0301|NEG0103|NEG0109|NEG02))/s, 'no refusal logged');

# ---- the last leg (the client's MIC) sent to a stricter location: the
# ticket was accepted under /kerbonly/'s rules (Extended Protection Off);
# /epa-require/ must not grant on that proof.
$mark = log_mark();
$r = select_client(path => '/kerbonly/whoami', last_path => '/epa-require/whoami', mechs => 'ntlmssp,krb5');
ok t_cmp($r->{statuses}, '401,401,401', 'the MIC leg at a stricter location: 401');
ok t_cmp(log_since($mark), qr/NEG0107: refused the Kerberos logon of alice\@EXAMPLE\.TEST at the last leg of a SPNEGO counter-proposal: it was proved where Extended Protection was Off \(nothing checked that its token was meant for this channel: it may have been relayed\), and this location has NegotiateExtendedProtection Require/,
         '... with the log line that says why');

# ---- without mutual authentication the client's MIC comes with its AP-REQ
$r = select_client(path => '/kerbonly/whoami', mechs => 'ntlmssp,krb5', mutual => 0);
ok t_cmp($r->{statuses}, '401,200', 'no mutual authentication: two legs');
ok t_cmp($r->{replies}, qr/^request-mic\/krb5\/0\/0 accept-completed\/-\/\d\/1$/,
         'the 200 carries accept-completed and our mechListMIC');
ok t_cmp($r->{remote_user}, 'alice@EXAMPLE.TEST', 'no mutual: signed in');
ok t_cmp($r->{complete}, 1, 'no mutual: the client verified our MIC');

# ---- with NegotiatePersistKerberos On the connection stays authenticated
$r = select_client(path => '/kerbpersist/whoami', mechs => 'ntlmssp,krb5');
ok t_cmp($r->{statuses}, '401,401,200', '/kerbpersist/: three legs');
ok t_cmp($r->{persistent_auth}, 'true', 'Persistent-Auth: true where Kerberos persists');

# ---- a Negotiate location (NTLM allowed): MIT's first choice is taken as is
$r = select_client(path => '/krb/whoami', mechs => 'ntlmssp,krb5');
ok t_cmp($r->{statuses}, '401,200', 'NTLMSSP first where NTLM is allowed: NTLM in two legs');
ok t_cmp($r->{replies}, qr/^accept-incomplete\/ntlmssp\/1\/0 accept-completed/, 'NTLM, not a counter-proposal');
ok t_cmp($r->{persistent_auth}, 'true', 'Persistent-Auth: true after NTLM');

# ---- the client's MIC altered or left out: refused, nothing granted
$mark = log_mark();
$r = select_client(path => '/kerbonly/whoami', mechs => 'ntlmssp,krb5', mode => 'mic', tamper => 1);
ok t_cmp($r->{statuses}, '401,401,401', 'an altered client mechListMIC: 401');
ok t_cmp(log_since($mark), qr/NEG0211: refused the Kerberos logon of alice\@EXAMPLE.TEST: the client's SPNEGO mechListMIC does not match/,
         'its log line');
$mark = log_mark();
$r = select_client(path => '/kerbonly/whoami', mechs => 'ntlmssp,krb5', mode => 'mic', drop => 1);
ok t_cmp($r->{statuses}, '401,401,401', 'no client mechListMIC: 401');
ok t_cmp(log_since($mark), qr/NEG0211: .*its mechListMIC is required \(RFC 4178 section 5\)/, 'its log line');

# ---- NegTokenInit built here: [NegoEx, krb5], no token
$r = select_client(path => '/kerbonly/whoami', mode => 'craft', mechs => 'negoex,krb5');
ok t_cmp($r->{status}, 401, '[NegoEx, krb5] without a token: 401');
ok t_cmp("$r->{state} $r->{mech} $r->{token}", 'request-mic krb5 0',
         'request-mic (not the first mechanism: RFC 4178 4.2.2), supportedMech krb5, no token');
ok t_cmp($r->{www}, 'Negotiate+tok', 'only the counter-proposal, no fresh challenge');
$r = select_client(path => '/krb/whoami', mode => 'craft', mechs => 'negoex,mskrb5,krb5,ntlmssp');
ok t_cmp("$r->{state} $r->{mech}", 'request-mic mskrb5', "Windows' list: its first Kerberos OID is named back");
$r = select_client(path => '/krb/whoami', mode => 'craft', mechs => 'negoex,ntlmssp');
ok t_cmp("$r->{state} $r->{mech}", 'request-mic ntlmssp', '[NegoEx, NTLMSSP] where NTLM is allowed: NTLMSSP');

# ---- nothing usable vs no ticket
$mark = log_mark();
$r = select_client(path => '/kerbonly/whoami', mode => 'craft', mechs => 'negoex');
ok t_cmp($r->{status}, 401, '[NegoEx] only: 401');
ok t_cmp($r->{www}, 'Negotiate', 'a fresh challenge');
$log = log_since($mark);
ok t_cmp($log, qr/NEG0109: refused a SPNEGO token: no usable mechanism in the client's list \(negoex\)/,
         'logged: no usable mechanism in the list');
ok t_cmp($log, qr/^(?!.*Kerberos ticket)/s, 'not: no ticket');
$mark = log_mark();
$r = select_client(path => '/kerbonly/whoami', mode => 'craft', mechs => 'negoex,ntlmssp');
ok t_cmp($r->{status}, 401, '[NegoEx, NTLMSSP] at Negotiate:Kerberos: 401');
$log = log_since($mark);
ok t_cmp($log, qr/NEG0301: .*the client could not get a Kerberos ticket/, 'logged: the client has no ticket');
ok t_cmp($log, qr/^(?!.*no usable mechanism)/s, 'not: no usable mechanism');

# ---- MIT without a ticket lists NTLMSSP only: the no-ticket line
{
    local $ENV{KRB5CCNAME} = 'FILE:/nonexistent';
    $mark = log_mark();
    my @cmd = ('/usr/bin/python3', "$t/client/spnego_select.py", '--port', port(),
               '--path', '/kerbonly/whoami', '--mode', 'mit', '--mechs', 'ntlmssp');
    local $ENV{NTLM_USER_FILE} = $ntlm_user_file;
    my $n = NegTest::run_client(@cmd);
    ok t_cmp($n->{statuses}, '401', 'MIT with NTLM only at Negotiate:Kerberos: 401');
    ok t_cmp(log_since($mark), qr/NEG0301: .*could not get a Kerberos ticket/, 'the no-ticket line');
}

# ---- Persistent-Auth on other 200s
my $c = curl('/krb/whoami', ccache => $alice);
my ($pa) = map { $_->[1] } grep { lc $_->[0] eq 'persistent-auth' } @{ $c->{headers} };
ok t_cmp($pa // '', 'false', 'curl --negotiate, Kerberos per request: Persistent-Auth: false');
$c = curl('/persist/whoami', ccache => $alice);
($pa) = map { $_->[1] } grep { lc $_->[0] eq 'persistent-auth' } @{ $c->{headers} };
ok t_cmp($pa // '', 'true', 'NegotiatePersistKerberos On: Persistent-Auth: true');
$c = curl('/krb/whoami', args => ['--ntlm', '-u', 'EXAMPLE\\alice:AlicePassw0rd!']);
($pa) = map { $_->[1] } grep { lc $_->[0] eq 'persistent-auth' } @{ $c->{headers} };
ok t_cmp($pa // '', 'true', 'NTLM: Persistent-Auth: true');
$c = curl('/krb/whoami');
ok t_cmp(scalar(grep { lc $_->[0] eq 'persistent-auth' } @{ $c->{headers} }), 0,
         'no Persistent-Auth on a 401');

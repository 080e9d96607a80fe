# NTLM through winbind with every real client we have: curl --ntlm,
# python3-ntlm-auth, requests-ntlm, gss-ntlmssp (raw and in SPNEGO, under
# both schemes), curl --negotiate without a Kerberos ticket, Samba's
# ntlm_auth client helper. Refusals each with their log line.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use MIME::Base64 ();
use NegTest;

plan tests => 94;

my $t = t_dir();
my $ntlm_user_file = "$t/tmp/ntlm_user_file";
{
    open(my $f, '>', $ntlm_user_file) or die;
    print $f "EXAMPLE:alice:AlicePassw0rd!\n";
}
my %gss_env = (NTLM_USER_FILE => $ntlm_user_file, KRB5CCNAME => 'FILE:/nonexistent');

sub body_var {
    my ($res, $var) = @_;
    return $res->{body} =~ /^\Q$var\E=(.*)$/m ? $1 : undef;
}

# ---------------------------------------------------------------- curl --ntlm
my $res = curl('/krb/whoami', args => ['--ntlm', '-u', 'EXAMPLE\\alice:AlicePassw0rd!']);
ok t_cmp($res->{status}, 200, 'curl --ntlm: alice signs in');
ok t_cmp(body_var($res, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', 'curl --ntlm: REMOTE_USER as with Kerberos');
ok t_cmp(body_var($res, 'AUTH_TYPE'), 'NTLM', 'AUTH_TYPE=NTLM');
ok t_cmp(body_var($res, 'NEGOTIATE_MECH'), 'ntlm', 'NEGOTIATE_MECH=ntlm');
ok t_cmp(scalar(www_auth($res)), 0, 'no WWW-Authenticate on the 200 of the bare NTLM scheme');

$res = curl('/krb/whoami', args => ['--ntlm', '-u', 'EXAMPLE\\bob:BobPassw0rd!']);
ok t_cmp(body_var($res, 'REMOTE_USER'), 'bob@EXAMPLE.TEST', 'curl --ntlm: bob');
$res = curl('/short/whoami', args => ['--ntlm', '-u', 'EXAMPLE\\ALICE:AlicePassw0rd!']);
ok t_cmp(body_var($res, 'REMOTE_USER'), 'alice', 'short format, name in the directory\'s case');
$res = curl('/krb/whoami', args => ['--ntlm', '-u', 'example.test\\alice:AlicePassw0rd!']);
ok t_cmp(body_var($res, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', 'the DNS domain name works too');

# POST: curl sends the NEGOTIATE leg with Content-Length: 0 and the body
# with the AUTHENTICATE leg; the application gets it whole, once.
$res = curl('/krb/whoami', args => ['--ntlm', '-u', 'EXAMPLE\\alice:AlicePassw0rd!',
                                    '--data', 'a=1&b=22']);
ok t_cmp($res->{status}, 200, 'POST through the handshake');
ok t_cmp(body_var($res, 'REQUEST_METHOD'), 'POST', 'the application sees the POST');
ok t_cmp(body_var($res, 'BODY_LEN'), 8, 'with its whole body');

# ---------------------------------------------------------------- python3-ntlm-auth
for my $scheme (qw(NTLM Negotiate)) {
    my $r = ntlm_client(path => '/krb/whoami', scheme => $scheme, followups => 2);
    ok t_cmp($r->{status1}, 401, "ntlm-auth/$scheme: NEGOTIATE answered with 401");
    ok t_cmp($r->{challenge}, 1, "ntlm-auth/$scheme: carrying a $scheme challenge");
    ok t_cmp($r->{status}, 200, "ntlm-auth/$scheme: 200");
    ok t_cmp($r->{remote_user}, 'alice@EXAMPLE.TEST', "ntlm-auth/$scheme: REMOTE_USER");
    ok t_cmp($r->{auth_type}, $scheme, "ntlm-auth/$scheme: AUTH_TYPE is the scheme used");
    ok t_cmp($r->{followup}, '200:alice@EXAMPLE.TEST,200:alice@EXAMPLE.TEST',
             "ntlm-auth/$scheme: later requests on the connection are alice, without Authorization");
}

# A new NEGOTIATE on an authenticated connection restarts the handshake.
{
    my $r = ntlm_client(path => '/krb/whoami', method => 'POST', body => 'x=1', restart => 1);
    ok t_cmp($r->{status}, 200, 'POST handshake');
    ok t_cmp($r->{body_len}, 3, 'POST body arrives with the AUTHENTICATE leg');
    ok t_cmp($r->{restart_status}, 401, 'a zero-length POST with a new NEGOTIATE gets 401');
    ok t_cmp($r->{restart_challenge}, 1, 'with a fresh challenge');
    ok t_cmp($r->{restart_reached_app}, 0, 'and never reaches the application');
}

# Expect: 100-continue with a body on the NEGOTIATE leg: the connection
# must survive the 401 so the handshake can finish on it.
{
    my $r = ntlm_client(path => '/krb/whoami', method => 'POST', body => 'hello=world',
                        expect100 => 1, body_first => 1);
    ok t_cmp($r->{status1}, 401, 'Expect: 100-continue: challenge');
    ok t_cmp($r->{status}, 200, 'Expect: 100-continue: the handshake completes on the same connection');
    ok t_cmp($r->{body_len}, 11, 'and the body arrives whole');
}

# ---------------------------------------------------------------- requests-ntlm
{
    my $r = ntlm_client(path => '/krb/whoami', impl => 'requests');
    ok t_cmp($r->{status}, 200, 'requests-ntlm: 200');
    ok t_cmp($r->{remote_user}, 'alice@EXAMPLE.TEST', 'requests-ntlm: REMOTE_USER');
    $r = ntlm_client(path => '/krb/whoami', impl => 'requests', method => 'POST', body => 'abc');
    ok t_cmp($r->{body_len}, 3, 'requests-ntlm POST: body whole');
}

# ---------------------------------------------------------------- gss-ntlmssp
for my $scheme (qw(NTLM Negotiate)) {
    my $r = ntlm_client(path => '/krb/whoami', impl => 'gss', scheme => $scheme, env => \%gss_env);
    ok t_cmp($r->{status}, 200, "gss-ntlmssp raw NTLMSSP under $scheme: 200");
    ok t_cmp($r->{remote_user}, 'alice@EXAMPLE.TEST', "gss-ntlmssp/$scheme: REMOTE_USER");
    ok t_cmp($r->{auth_type}, $scheme, "gss-ntlmssp/$scheme: AUTH_TYPE");
}
{
    my $mark = log_mark();
    my $r = ntlm_client(path => '/krb/whoami', impl => 'gss', scheme => 'Negotiate', spnego => 1,
                        env => \%gss_env);
    ok t_cmp($r->{status1}, 401, 'gss-ntlmssp in SPNEGO: accept-incomplete 401');
    ok t_cmp($r->{status}, 200, 'gss-ntlmssp in SPNEGO: 200');
    ok t_cmp($r->{remote_user}, 'alice@EXAMPLE.TEST', 'gss-ntlmssp in SPNEGO: REMOTE_USER');
    ok t_cmp($r->{auth_type}, 'Negotiate', 'gss-ntlmssp in SPNEGO: AUTH_TYPE=Negotiate');
    ok t_cmp($r->{mutual}, 1, 'our mechListMIC completes the client\'s SPNEGO context');
    ok t_cmp(log_since($mark), qr/^(?!.*NEG0)/s, 'no error logged');
}

# curl --negotiate without a Kerberos ticket: SPNEGO-wrapped NTLM.
$res = curl('/krb/whoami', args => ['--negotiate', '-u', ':'], env => \%gss_env);
ok t_cmp($res->{status}, 200, 'curl --negotiate with gss-ntlmssp: 200');
ok t_cmp(body_var($res, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', 'curl --negotiate/NTLM: REMOTE_USER');
ok t_cmp(body_var($res, 'AUTH_TYPE'), 'Negotiate', 'curl --negotiate/NTLM: AUTH_TYPE');
ok t_cmp(join(',', www_auth($res)), qr/^Negotiate oR[A-Za-z0-9+\/]+=*$/,
         'the 200 carries the final NegTokenResp with our mechListMIC');

# ---------------------------------------------------------------- ntlm_auth helper
{
    my $r = ntlm_client(path => '/krb/whoami', impl => 'helper');
    ok t_cmp($r->{status}, 200, 'ntlm_auth --helper-protocol=ntlmssp-client-1: 200');
    ok t_cmp($r->{remote_user}, 'alice@EXAMPLE.TEST', 'ntlm_auth helper: REMOTE_USER');
    $r = ntlm_client(path => '/krb/whoami', impl => 'helper', user => 'bob', password => 'BobPassw0rd!');
    ok t_cmp($r->{remote_user}, 'bob@EXAMPLE.TEST', 'ntlm_auth helper: bob');
}

# ---------------------------------------------------------------- refusals
my @refusals = (
    [{ password => 'wrong' }, qr/NEG0304: the domain refused the NTLM logon of EXAMPLE\\\\alice \(workstation TESTWS\): NT_STATUS_WRONG_PASSWORD: wrong password/,
     'wrong password'],
    [{ domain => '', password => 'wrong' }, qr/NEG0304: the domain refused the NTLM logon of alice \(workstation TESTWS\): NT_STATUS_WRONG_PASSWORD/,
     'wrong password, empty domain field: the user named without a stray backslash'],
    [{ user => 'nosuchuser' }, qr/NEG0304: the domain refused the NTLM logon of EXAMPLE\\\\nosuchuser .*NT_STATUS_NO_SUCH_USER/,
     'unknown user'],
    [{ domain => 'NOSUCHDOM' }, qr/NEG0304: .*NOSUCHDOM\\\\alice.*the client named the domain 'NOSUCHDOM', which is not this server's domain EXAMPLE/,
     'unknown domain'],
    [{ compat => 1 }, qr/NEG0304: refused an NTLMv1 response from EXAMPLE\\\\alice .*only NTLMv2 is accepted \(NegotiateNTLMv1 Off\)/,
     'NTLMv1 response'],
    [{ compat => 0 }, qr/NEG0304: refused an NTLMv1 response/, 'NTLMv1/LM (compatibility 0)'],
    [{ split => 1 }, qr/NEG0304: refused an NTLM AUTHENTICATE message on a connection that was not sent our challenge/,
     'AUTHENTICATE on a fresh connection'],
    [{ tamper_mic => 1 }, qr/NEG0304: refused the NTLM logon of EXAMPLE\\\\alice .*its MIC does not match/,
     'tampered MIC'],
    [{ tamper_av => 1 }, qr/NEG0304: refused the NTLM response of EXAMPLE\\\\alice .*the AV pairs of our challenge came back altered/,
     'tampered AV pair'],
    [{ path => '/ntlmshort/whoami', delay => 2.2 }, qr/NEG0304: .*our challenge is older than 1 s \(NegotiateNTLMChallengeTimeout\)/,
     'expired challenge'],
);
for my $c (@refusals) {
    my ($opts, $log, $name) = @$c;
    my $mark = log_mark();
    my $r = ntlm_client(path => '/krb/whoami', %$opts);
    ok t_cmp($r->{status}, 401, "$name: 401");
    ok t_cmp(log_since($mark), $log, "$name: log line");
    ok t_cmp($r->{remote_user} // '', '', "$name: no user reached the application");
}

# A Kerberos-only location refuses NTLM inside Negotiate, whatever the client.
{
    my $mark = log_mark();
    my $r = ntlm_client(path => '/kerbonly/whoami', scheme => 'Negotiate');
    ok t_cmp($r->{status1}, 401, 'Negotiate:Kerberos: raw NTLMSSP refused');
    ok t_cmp($r->{challenge}, 0, 'without an NTLM challenge');
    ok t_cmp(log_since($mark), qr/NEG0301/, 'with its log line');
}

# ---------------------------------------------------------------- concurrency
{
    my $r = ntlm_client(path => '/krb/whoami', concurrent => 40);
    ok t_cmp($r->{total}, 40, '40 concurrent handshakes ran');
    ok t_cmp($r->{ok_count}, 40, 'each connection got its own user, twice');
}

# HTTP/2: NTLM authenticates a connection, h2 multiplexes requests on one.
{
    my $mark = log_mark();
    # curl --ntlm would fall back to HTTP/1.1 by itself: send the
    # NEGOTIATE by hand over h2.
    my $r = curl('/krb/whoami', args => ['--http2-prior-knowledge'],
                 header => ['Authorization: NTLM ' . MIME::Base64::encode_base64(ntlmssp_type1(), '')]);
    # The stream is reset with HTTP_1_1_REQUIRED (RFC 9113 section 7);
    # curl retries the request over HTTP/1.1, where the handshake starts.
    ok t_cmp($r->{status}, 401, 'NTLM over HTTP/2 is refused');
    ok t_cmp(log_since($mark), qr/NEG0302: refused an NTLM token over HTTP\/2: .*retry over HTTP\/1\.1 \(HTTP_1_1_REQUIRED\)/,
             'with a log line that says what happens');
    ok t_cmp($r->{all_headers}, qr{^HTTP/1\.1 401.*^WWW-Authenticate: NTLM TlRMTVNTUAAC}ms,
             'curl retried over HTTP/1.1 and got the CHALLENGE there');
    my $k = curl('/krb/whoami', ccache => kinit_user('alice'), args => ['--http2-prior-knowledge']);
    ok t_cmp($k->{status}, 200, 'Kerberos over HTTP/2 works');
    ok t_cmp($k->{all_headers}, qr{^HTTP/2 200}m, 'Kerberos really over HTTP/2');
}

ok t_cmp(curl('/static.txt')->{status}, 200, 'server still serving');

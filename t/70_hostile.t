# Tokens that prove nothing get 401 with a fresh challenge and one log line
# that says why; the server keeps serving.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use MIME::Base64 qw(encode_base64);
use NegTest;

sub b64 { encode_base64($_[0], '') }

my $alice = kinit_user('alice');
my $type1 = b64(ntlmssp_type1());
my $spnego_ntlm = b64(spnego_init_token([ntlmssp_oid()], ntlmssp_type1()));

# [path, Authorization header, status, log pattern, description]
my @cases = (
    ['/krb/whoami', 'Negotiate ' . b64('this is not a token at all'), 401,
     qr/NEG0106: refused the Negotiate token \(26 bytes\): unrecognised token/, 'garbage token'],
    ['/krb/whoami', 'Negotiate YII%%%==', 401,
     qr/NEG0102: refused the Negotiate Authorization header: token is not valid base64/, 'invalid base64'],
    ['/krb/whoami', 'Negotiate YIIB', 401,
     qr/NEG0106: refused the Negotiate token \(3 bytes\)/, 'truncated GSS header'],
    ['/krb/whoami', 'Negotiate', 401,
     qr/NEG0102: .*no token after the scheme/, 'scheme without a token'],
    ['/krb/whoami', 'Negotiate YWJj, Negotiate YWJj', 401,
     qr/NEG0102: .*more than one token/, 'two merged Authorization headers'],
    ['/krb/whoami', 'Basic ' . b64('alice:AlicePassw0rd!'), 401,
     qr/NEG0101: client used the authentication scheme 'Basic', which this location does not offer \(NegotiateProviders Negotiate NTLM\)/,
     'Basic is not offered'],
    ['/ntlmonly/whoami', 'Negotiate ' . $type1, 401,
     qr/NEG0101: client used the authentication scheme 'Negotiate', which this location does not offer \(NegotiateProviders NTLM\)/,
     'Negotiate where only NTLM is offered'],
    ['/negonly/whoami', 'NTLM ' . $type1, 401,
     qr/NEG0101: .*'NTLM'.*\(NegotiateProviders Negotiate\)/, 'bare NTLM where only Negotiate is offered'],
    ['/kerbonly/whoami', 'Negotiate ' . $type1, 401,
     qr/NEG0301: refused an NTLM token \(raw NTLMSSP\) under Negotiate: NegotiateProviders Negotiate:Kerberos allows only Kerberos/,
     'Negotiate:Kerberos refuses a raw NTLMSSP token'],
    ['/kerbonly/whoami', 'Negotiate ' . $spnego_ntlm, 401,
     qr/NEG0301: refused an NTLM token \(inside SPNEGO\) under Negotiate/,
     'Negotiate:Kerberos refuses SPNEGO-wrapped NTLMSSP'],
    ['/krb/whoami', 'NTLM ' . b64("NTLMSSP\0" . pack('V', 3) . ("\0" x 52)), 401,
     qr/NEG0304: refused an NTLM AUTHENTICATE message on a connection that was not sent our challenge/,
     'an NTLM AUTHENTICATE without a handshake'],
    ['/krb/whoami', 'Negotiate ' . b64("\xa1\x03\x30\x01\x00"), 401,
     qr/NEG0106: |NEG0104: /, 'a stray NegTokenResp'],
    ['/krb/whoami', 'Negotiate ' . b64(spnego_init_token(["\x06\x03\x2a\x03\x04"], 'x')), 401,
     qr/NEG0109: refused a SPNEGO token: no usable mechanism in the client's list \(other\)/, 'SPNEGO with an unknown mechanism'],
    ['/smalltoken/whoami', 'Negotiate ' . ('A' x 400), 401,
     qr/NEG0102: .*larger than NegotiateMaxTokenSize \(limit 256 bytes\)/, 'token over NegotiateMaxTokenSize'],
);

plan tests => 4 * @cases + 6;

for my $c (@cases) {
    my ($path, $auth, $status, $log, $name) = @$c;
    my $mark = log_mark();
    my $res = curl($path, header => ["Authorization: $auth"]);
    ok t_cmp($res->{status}, $status, "$name: status");
    ok t_cmp(scalar(www_auth($res)) > 0 ? 1 : 0, 1, "$name: fresh challenge");
    ok t_cmp(log_since($mark), $log, "$name: log line");
    ok t_cmp(curl('/static.txt')->{status}, 200, "$name: server still serving");
}

# A real Kerberos token, tampered: flip a byte inside the authenticator.
{
    my $mark = log_mark();
    my $res = curl('/smalltoken/whoami', ccache => $alice);
    ok t_cmp($res->{status}, 401, 'a real ticket over NegotiateMaxTokenSize: 401');
    ok t_cmp(log_since($mark), qr/larger than NegotiateMaxTokenSize/, 'with the limit in the log');
}

# A header larger than LimitRequestFieldSize: httpd itself answers 4xx.
{
    my $res = curl('/krb/whoami', header => ['Authorization: Negotiate ' . ('A' x 20000)]);
    ok t_cmp($res->{status} >= 400 && $res->{status} < 500 ? 1 : 0, 1, 'oversize header: 4xx');
    ok t_cmp($res->{status} == 200 ? 0 : 1, 1, 'never 200');
    my $ok = curl('/krb/whoami', ccache => $alice);
    ok t_cmp($ok->{status}, 200, 'a valid request right after succeeds');
    ok t_cmp($ok->{body}, qr/REMOTE_USER=alice\@EXAMPLE\.TEST/, 'as alice');
}

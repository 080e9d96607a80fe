# NegotiateSession: after a logon the identity is kept in mod_session's
# session, encrypted by mod_session_crypto in an HttpOnly cookie (Secure on
# https); a later request with the cookie and no Authorization header is
# that person (HTTP/1.1 and HTTP/2); a tampered, forged, expired or foreign
# cookie gets the challenge; authorization applies to the session's
# identity as to a fresh logon; Basic makes a session only when asked.
# The memo of decoded cookies (src/store/session_memo.c) gives a cookie decoded
# before in the same httpd child without mod_session_crypto, and what it
# gives is checked as a fresh decoding is: a cookie altered after the
# genuine one was memoised, one presented under another passphrase or a
# shorter lifetime, one that expired while memoised, all get the challenge.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempfile);
use NegTest;

plan tests => 71;

my $alice = kinit_user('alice');
my $bob = kinit_user('bob');

sub body_var {
    my ($body, $var) = @_;
    return ($body // '') =~ /^\Q$var\E=(.*)$/m ? $1 : undef;
}

# The negotiate_session Set-Cookie of a response, or undef.
sub set_cookie {
    my ($r) = @_;
    my ($c) = grep { lc $_->[0] eq 'set-cookie' && $_->[1] =~ /^negotiate_session=/ }
              @{ $r->{headers} };
    return $c ? $c->[1] : undef;
}

# "negotiate_session=VALUE" for a Cookie header.
sub cookie_of {
    my ($sc) = @_;
    return defined $sc && $sc =~ /^(negotiate_session=[^;]*)/ ? $1 : undef;
}

sub with_cookie {
    my ($path, $cookie, %o) = @_;
    return curl($path, header => ["Cookie: $cookie"], %o);
}

# ---------------------------------------------------------------- Kerberos, HTTP/1.1
my $r = curl('/sess/whoami', ccache => $alice);
my $sc = set_cookie($r);
ok t_cmp($r->{status}, 200, 'Kerberos logon where NegotiateSession is On');
ok t_cmp($sc, qr/;\s*httponly/i, 'the session cookie is HttpOnly');
ok t_cmp(($sc // '') !~ /;\s*secure/i, 1, 'and not Secure on plain HTTP');
my $cookie = cookie_of($sc);
ok t_cmp(($cookie // '') !~ /alice|kerberos|S-1-5/i, 1, 'the cookie does not show the identity (encrypted)');

my $mark = log_mark();
$r = with_cookie('/sess/whoami', $cookie);
ok t_cmp($r->{codes}, '200', 'the cookie alone: 200 at once, no 401 round trip');
ok t_cmp(body_var($r->{body}, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', 'as alice');
ok t_cmp(body_var($r->{body}, 'NEGOTIATE_MECH'), 'kerberos', 'proved by Kerberos');
ok t_cmp(body_var($r->{body}, 'NEGOTIATE_USER_SID'), qr/^S-1-5-21-\d+-\d+-\d+-\d+$/, 'with her SID');
ok t_cmp(log_since($mark) !~ /NEG02\d\d/, 1, 'and no Kerberos logon in the log');
$r = with_cookie('/sess/whoami', $cookie);
ok t_cmp(set_cookie($r), undef, 'a request by the cookie does not extend the session');

# ---------------------------------------------------------------- refused cookies
{
    (my $v = $cookie) =~ s/^negotiate_session=//;
    my $i = int(length($v) / 2);
    my $c = substr($v, $i, 1) eq 'A' ? 'B' : 'A';
    substr($v, $i, 1) = $c;
    $r = with_cookie('/sess/whoami', "negotiate_session=$v");
    ok t_cmp($r->{status}, 401, 'a cookie altered in one character: 401');
    ok t_cmp(join(',', www_auth($r)), 'Negotiate,NTLM', 'with the normal challenge');
}
{
    my $forged = 'negotiate_session=negotiate-identity=neg1%0A4102444800%0Akerberos%0ANegotiate'
               . '%0Aadministrator%0AEXAMPLE%0AEXAMPLE.TEST%0Aadministrator%40EXAMPLE.TEST%0A%0A%0A%0A'
               . 'HTTP%2Flocalhost%40EXAMPLE.TEST%0A';
    $r = with_cookie('/sess/whoami', $forged);
    ok t_cmp($r->{status}, 401, 'a forged unencrypted session: 401');
}
$r = with_cookie('/sessother/whoami', $cookie);
ok t_cmp($r->{status}, 401, 'a cookie made under another passphrase: 401');
$mark = log_mark();
$r = with_cookie('/sessshort/whoami', $cookie);
ok t_cmp($r->{status}, 401, 'a cookie made for 300 s where the lifetime is 5 s: 401');
ok t_cmp(log_since($mark), qr/NEG0904: .*longer lifetime/, 'logged why');

$r = curl('/sessshort/whoami', ccache => $alice);
my $short = cookie_of(set_cookie($r));
ok t_cmp(with_cookie('/sessshort/whoami', $short)->{status}, 200, 'a 5-second session is valid at once');
sleep 6;
$mark = log_mark();
$r = with_cookie('/sessshort/whoami', $short);
ok t_cmp($r->{status}, 401, 'and refused after it expired');
ok t_cmp(log_since($mark), qr/NEG0904: the session's identity alice\@EXAMPLE\.TEST, proved at \/sessshort\/whoami is not accepted: it has expired/,
         'logged: expired');

# ---------------------------------------------------------------- the memo
# Requests on one connection reach one httpd child, and so its memo.
sub memo_figures {
    my $res = curl('/negotiate-status?auto');
    my %f = map { /^([^:]+): (.*)$/ ? ($1 => $2) : () } split /\n/, $res->{body};
    return ($f{SessionMemoHits} // 0, $f{SessionMemoMisses} // 0);
}

# One connection, one request per [path, cookie]: "status:new connections,"
# for each (curl reuses the connection: 1 for the first, 0 after).
sub one_connection {
    my @cmd;
    for my $req (@_) {
        push @cmd, '--next' if @cmd;
        push @cmd, '-s', '-S', '-o', '/dev/null', '-w', '%{http_code}:%{num_connects},',
            '-H', "Cookie: $req->[1]", url($req->[0]);
    }
    return NegClient::run_curl(@cmd)->{out};
}

{
    my ($h0, $m0) = memo_figures();
    ok t_cmp(one_connection(map { ['/sess/whoami', $cookie] } 1 .. 3), '200:1,200:0,200:0,',
             'memo: the same cookie three times on one connection: 200 each');
    my ($h1, $m1) = memo_figures();
    t_debug("memo hits $h0 -> $h1, misses $m0 -> $m1");
    ok(($h1 - $h0) >= 2 && ($h1 - $h0) + ($m1 - $m0) == 3);

    (my $v = $cookie) =~ s/^negotiate_session=//;
    my $i = int(length($v) / 3);
    substr($v, $i, 1) = substr($v, $i, 1) eq 'Q' ? 'R' : 'Q';
    ok t_cmp(one_connection(['/sess/whoami', $cookie], ['/sess/whoami', "negotiate_session=$v"]),
             '200:1,401:0,', 'memo: a cookie altered in one character after the genuine one was memoised: 401');
    ok t_cmp(one_connection(['/sess/whoami', $cookie], ['/sessother/whoami', $cookie]),
             '200:1,401:0,', 'memo: the memoised cookie where another passphrase applies: 401');
    $mark = log_mark();
    ok t_cmp(one_connection(['/sess/whoami', $cookie], ['/sessshort/whoami', $cookie]),
             '200:1,401:0,', 'memo: the memoised cookie where the lifetime is shorter: 401');
    ok t_cmp(log_since($mark), qr/NEG0904: .*longer lifetime/, 'memo: checked as a fresh decoding');
}

# A plaintext session (alice's, as the application sees it, turned into
# administrator's) refused by mod_session_crypto at /sesserr/, whose 401 is
# answered by /plainsess/ (no passphrase): what /plainsess/ read from it
# must not be memoised for the passphrase of /sesserr/.
{
    my $plain = body_var(with_cookie('/sesshdr/rewrite?show', $cookie)->{body}, 'SESSION') // '';
    ok t_cmp($plain, qr/^negotiate-identity=neg2%0a/i, 'the session as the application sees it');
    (my $forged = $plain) =~ s/alice/administrator/g;
    ok t_cmp(one_connection(['/sesserr/whoami', "negotiate_session=$forged"],
                            ['/sess/whoami', "negotiate_session=$forged"]),
             '401:1,401:0,', 'memo: a refused cookie read by an ErrorDocument location is not memoised');
}

# A session that expires while memoised: three requests on one connection
# (the gaps shorter than httpd's KeepAliveTimeout of 5 s), the second within
# the 5-second lifetime (4 to 5 s: kept in whole seconds), the last after.
{
    my ($h0, $m0) = memo_figures();
    $mark = log_mark();
    my $fresh = cookie_of(set_cookie(curl('/sessshort/whoami', ccache => $alice)));
    my $py = <<'PY';
import http.client, sys, time
c = http.client.HTTPConnection("localhost", int(sys.argv[1]))
out = []
for pause in (0, 2.0, 3.5):
    time.sleep(pause)
    c.request("GET", "/sessshort/whoami", headers={"Cookie": sys.argv[2]})
    r = c.getresponse()
    r.read()
    out.append(str(r.status))
print(",".join(out))
PY
    my ($fh, $script) = tempfile(SUFFIX => '.py', UNLINK => 1);
    print $fh $py;
    close $fh;
    my $codes = `/usr/bin/python3 $script @{[port()]} '$fresh'`;
    chomp $codes;
    ok t_cmp($codes, '200,200,401', 'memo: a 5-second session on one connection: valid twice, then refused');
    ok t_cmp(log_since($mark), qr/NEG0904: the session's identity alice\@EXAMPLE\.TEST, proved at \/sessshort\/whoami is not accepted: it has expired/,
             'memo: refused because it expired');
    my ($h1, $m1) = memo_figures();
    t_debug("memo hits $h0 -> $h1, misses $m0 -> $m1");
    ok(($h1 - $h0) == 2 && ($m1 - $m0) == 1);
    ok t_cmp(($fresh // '') =~ /^negotiate_session=/ ? 1 : 0, 1, 'memo: the short session had a cookie');
}

# ---------------------------------------------------------------- SessionHeader
# An application that may write the session (mod_session's SessionHeader)
# rewrites alice's identity into administrator's: the header is dropped,
# the session keeps the identity the logon proved.
{
    $mark = log_mark();
    my $r = curl('/sesshdr/rewrite', ccache => $alice);
    ok t_cmp($r->{status}, 200, 'SessionHeader: alice signs in where the application may write the session');
    my $c = cookie_of(set_cookie($r));
    $r = with_cookie('/sess/whoami', $c // 'negotiate_session=none');
    ok t_cmp("$r->{status} " . (body_var($r->{body}, 'REMOTE_USER') // ''), '200 alice@EXAMPLE.TEST',
             'SessionHeader: the session is still alice\'s, not the one the application wrote');
    ok t_cmp(log_since($mark), qr/NEG0906: .*X-Replace-Session.*negotiate-identity/,
             'SessionHeader: logged that the header was dropped');
    for my $how ('escaped', 'nul') {
        $r = curl("/sesshdr/rewrite?$how", ccache => $alice);
        $c = cookie_of(set_cookie($r));
        $r = with_cookie('/sess/whoami', $c // 'negotiate_session=none');
        ok t_cmp("$r->{status} " . (body_var($r->{body}, 'REMOTE_USER') // ''), '200 alice@EXAMPLE.TEST',
                 "SessionHeader ($how): the rewritten identity is dropped too");
    }
    # an application that writes an entry of its own
    $mark = log_mark();
    $r = curl('/sesshdr/rewrite?own', ccache => $alice);
    $c = cookie_of(set_cookie($r));
    $r = with_cookie('/sesshdr/rewrite?show', $c // 'negotiate_session=none');
    ok t_cmp(body_var($r->{body}, 'REMOTE_USER'), 'alice@EXAMPLE.TEST',
             'SessionHeader: an application that writes its own entry only');
    ok t_cmp(body_var($r->{body}, 'SESSION'), qr/(^|&)app=kept(&|$)/, 'keeps its own entry');
    ok t_cmp(log_since($mark) !~ /NEG0906/, 1, 'and nothing is logged');
}

# ... through a subrequest: the application's page includes another (SSI);
# mod_session's filter in the subrequest saves the main request's session
# before the main request's own filters see anything.
{
    $mark = log_mark();
    my $r = curl('/sesshdrssi/rewrite?ssi', ccache => $alice);
    ok t_cmp($r->{status}, 200, 'SessionHeader and an SSI include: alice signs in');
    ok t_cmp($r->{body}, qr/^hello/, 'the include ran (a subrequest: /static.txt)');
    my $c = cookie_of(set_cookie($r));
    $r = with_cookie('/sess/whoami', $c // 'negotiate_session=none');
    ok t_cmp("$r->{status} " . (body_var($r->{body}, 'REMOTE_USER') // ''), '200 alice@EXAMPLE.TEST',
             'the session is still alice\'s, not the one the application wrote before its include');
    ok t_cmp(log_since($mark), qr/NEG0906: .*X-Replace-Session/, 'the header was dropped in the subrequest');
}
# ... with a value mod_session reads past an "=" (everything after the
# first "=" of a pair is its value). The identity of a ticket without a
# PAC (no SIDs: its session text has no space, which mod_session's own
# encoding turns into "+"), so that the value before the "=" is exactly
# the current one.
SKIP: {
    my $cc = mint_ticket(client => 'alice@EXAMPLE.TEST');
    my $tok = $cc ? krb5_token($cc, '--from-cache') : '';
    unlink $cc if $cc;
    skip 'cannot mint a ticket (kimpersonate)', 2 unless $tok;
    $mark = log_mark();
    my $r = curl('/sesshdr/rewrite?equals', header => ["Authorization: Negotiate $tok"]);
    my $c = cookie_of(set_cookie($r));
    $r = with_cookie('/sess/whoami', $c // 'negotiate_session=none');
    ok t_cmp("$r->{status} " . (body_var($r->{body}, 'REMOTE_USER') // ''), '200 alice@EXAMPLE.TEST',
             'SessionHeader: "negotiate-identity=<current>=more" is a change too: dropped');
    ok t_cmp(log_since($mark), qr/NEG0906: .*X-Replace-Session/, 'and logged');
}

# A location that reads the same cookie without a passphrase (as plain
# text) decodes the session first; its error page, a NegotiateSession
# location, must not believe what it read: a plain-text cookie naming
# administrator.
{
    my $plain = body_var(with_cookie('/sesshdr/rewrite?show', $cookie)->{body}, 'SESSION') // '';
    (my $forged = $plain) =~ s/alice/administrator/g;
    $mark = log_mark();
    my $r = with_cookie('/plainerr/no-such-page', "negotiate_session=$forged");
    ok t_cmp($r->{body} =~ /REMOTE_USER=administrator/ ? 'administrator' : 'nobody', 'nobody',
             'a plain-text session read where no passphrase applies is not believed by the error page');
    ok t_cmp(log_since($mark), qr/NEG0904: .*not decrypted by mod_session_crypto/,
             'the log says the session was not decrypted');
    $r = with_cookie('/sess/whoami', "negotiate_session=$forged");
    ok t_cmp($r->{status}, 401, 'the same plain-text cookie at the NegotiateSession location itself: 401');
}

# ---------------------------------------------------------------- authorization
$r = with_cookie('/sessadmins/whoami', $cookie);
ok t_cmp($r->{status}, 200, "Require negotiate-group: alice's cookie, a member of WebAdmins");
$r = curl('/sess/whoami', ccache => $bob);
my $bob_cookie = cookie_of(set_cookie($r));
$mark = log_mark();
$r = with_cookie('/sessadmins/whoami', $bob_cookie);
ok t_cmp($r->{status}, 403, "Require negotiate-group: bob's cookie, not a member: 403");
ok t_cmp(log_since($mark), qr/NEG0703: bob\@EXAMPLE\.TEST is not a member/, 'as for a fresh logon');
$mark = log_mark();
$r = with_cookie('/sessntlm/whoami', $cookie);
ok t_cmp($r->{status}, 401, 'a Kerberos session where only NTLM is offered: 401');
ok t_cmp(log_since($mark), qr/NEG0904: .*does not offer Negotiate/, 'refused by the location\'s policy');

# ---------------------------------------------------------------- NTLM, then HTTP/2
$r = curl('/sess/whoami', args => ['--ntlm', '-u', 'EXAMPLE\\alice:AlicePassw0rd!']);
my $ntlm_cookie = cookie_of(set_cookie($r));
ok t_cmp(defined $ntlm_cookie, 1, 'an NTLM logon makes a session too');

sub curl_h2 {
    my ($cookie) = @_;
    my ($hfh, $hfile) = tempfile(UNLINK => 1);
    my ($bfh, $bfile) = tempfile(UNLINK => 1);
    my $out = `curl -s -k --http2 --max-time 20 -D $hfile -o $bfile -w '%{http_code} %{http_version}' -H 'Cookie: $cookie' 'https://localhost:${\ tls_port()}/sess/whoami'`;
    my $body = do { local $/; open(my $f, '<', $bfile) or die; <$f> } // '';
    return ($out, $body);
}
my ($st, $body) = curl_h2($ntlm_cookie);
ok t_cmp($st, '200 2', 'HTTP/2: the NTLM session is used on an h2 stream (no HTTP_1_1_REQUIRED)');
ok t_cmp(body_var($body, 'NEGOTIATE_MECH'), 'ntlm', 'HTTP/2: as the NTLM logon');
($st, $body) = curl_h2($cookie);
ok t_cmp("$st " . (body_var($body, 'REMOTE_USER') // ''), '200 2 alice@EXAMPLE.TEST',
         'HTTP/2: the Kerberos session');
$r = curl('/sess/whoami', tls => 1, ccache => $alice, args => ['--http2']);
$sc = set_cookie($r);
ok t_cmp($sc, qr/;\s*secure/i, 'https: the cookie is Secure');
ok t_cmp($sc, qr/;\s*httponly/i, 'https: and HttpOnly');

# Where a stricter location would not accept the cookie's proof
my $tls_cookie = cookie_of($sc);
ok t_cmp(with_cookie('/sessreqtls/whoami', $tls_cookie, tls => 1)->{status}, 200,
         'NegotiateRequireTLS: a session made over https is used');
$mark = log_mark();
ok t_cmp(with_cookie('/sessreqtls/whoami', $cookie, tls => 1)->{status}, 401,
         'NegotiateRequireTLS: a session made over plain HTTP is not');
ok t_cmp(log_since($mark), qr/NEG0904: .*it was proved over plain HTTP, and this location requires TLS \(NegotiateRequireTLS On\)/,
         '... and the log says why');
$mark = log_mark();
ok t_cmp(with_cookie('/sessepa/whoami', $tls_cookie, tls => 1)->{status}, 401,
         'NegotiateExtendedProtection Require: no session cookie (bound to no channel)');
ok t_cmp(log_since($mark), qr/NEG0904: .*(NegotiateExtendedProtection Require here, and a session cookie is bound to no TLS channel|it was proved where Extended Protection was Off .*and this location has NegotiateExtendedProtection Require)/,
         '... and the log says why');

# ---------------------------------------------------------------- Basic
$r = curl('/sessbasic/whoami', args => ['-u', 'EXAMPLE\\alice:AlicePassw0rd!']);
ok t_cmp($r->{status}, 200, 'Basic logon');
ok t_cmp(set_cookie($r), undef, 'makes no session unless NegotiateSessionBasic is On');
$r = curl('/sessbasicon/whoami', args => ['-u', 'EXAMPLE\\alice:AlicePassw0rd!']);
my $basic_cookie = cookie_of(set_cookie($r));
$r = with_cookie('/sessbasicon/whoami', $basic_cookie);
ok t_cmp("$r->{codes} " . (body_var($r->{body}, 'NEGOTIATE_MECH') // ''), '200 basic',
         'NegotiateSessionBasic On: the Basic session is used');
$r = with_cookie('/sessbasic/whoami', $basic_cookie);
ok t_cmp($r->{status}, 401, 'but not where NegotiateSessionBasic is Off');

# ---------------------------------------------------------------- misconfiguration
$mark = log_mark();
$r = curl('/plainsess/whoami', ccache => $alice);
ok t_cmp($r->{status}, 200, 'Session On without SessionCryptoPassphrase: the logon still works');
ok t_cmp(set_cookie($r), undef, 'but no session is made');
ok t_cmp(log_since($mark), qr/NEG0902: NegotiateSession On where the session is not encrypted/,
         'and the log says what to configure');

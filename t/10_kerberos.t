# Kerberos single sign-on with curl --negotiate (MIT GSSAPI, SPNEGO) and a
# ticket from Heimdal's kinit, against the real domain.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use NegTest;

plan tests => 31;

my $alice = kinit_user('alice');
my $bob   = kinit_user('bob');

sub body_var {
    my ($res, $var) = @_;
    return $res->{body} =~ /^\Q$var\E=(.*)$/m ? $1 : undef;
}

# alice, HTTP/localhost
my $res = curl('/krb/whoami', ccache => $alice);
ok t_cmp($res->{status}, 200, 'alice signs in by Kerberos');
ok t_cmp(body_var($res, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', 'REMOTE_USER is the UPN');
ok t_cmp(body_var($res, 'AUTH_TYPE'), 'Negotiate', 'AUTH_TYPE is Negotiate');
ok t_cmp(body_var($res, 'NEGOTIATE_MECH'), 'kerberos', 'NEGOTIATE_MECH is kerberos');
my @wa = www_auth($res);
ok t_cmp(scalar(@wa), 1, 'one WWW-Authenticate on the 200');
ok t_cmp($wa[0] // '', qr/^Negotiate oY[A-Za-z0-9+\/]+=*$/,
         'it carries a SPNEGO NegTokenResp (mutual authentication)');


# access log %u: httpd writes it after the response, so wait for it.
my $access = '';
for (1 .. 50) {
    $access = do { local $/; open(my $f, '<', t_dir() . '/logs/neg_access.log') or die; <$f> };
    last if $access =~ /alice\@EXAMPLE/;
    select(undef, undef, undef, 0.1);
}
ok t_cmp($access, qr{ alice\@EXAMPLE\.TEST \[[^\]]+\] "GET /krb/whoami }, 'the access log names alice');

# bob
$res = curl('/krb/whoami', ccache => $bob);
ok t_cmp($res->{status}, 200, 'bob signs in');
ok t_cmp(body_var($res, 'REMOTE_USER'), 'bob@EXAMPLE.TEST', 'REMOTE_USER is bob');

# the second SPN
$res = curl('/krb/whoami', ccache => $alice, host => 'www.example.test');
ok t_cmp($res->{status}, 200, 'HTTP/www.example.test is accepted too');
ok t_cmp(body_var($res, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', 'as alice');

# NegotiateUserFormat short
$res = curl('/short/whoami', ccache => $alice);
ok t_cmp($res->{status}, 200, 'short format: 200');
ok t_cmp(body_var($res, 'REMOTE_USER'), 'alice', 'short format: REMOTE_USER=alice');
ok t_cmp(body_var($res, 'NEGOTIATE_PRINCIPAL'), 'alice@EXAMPLE.TEST', 'the principal is still published');

# NegotiateServicePrincipal restricts which keys are used.
my $mark = log_mark();
$res = curl('/spn-www/whoami', ccache => $alice);
ok t_cmp($res->{status}, 401, 'a ticket for HTTP/localhost is refused where only HTTP/www.example.test is allowed');
ok t_cmp(log_since($mark), qr/NEG0203: .*ticket for HTTP\/localhost\@EXAMPLE\.TEST.*has no key for HTTP\/localhost\@EXAMPLE\.TEST \(searched with NegotiateServicePrincipal HTTP\/www\.example\.test\)/,
         'the log names the principal and the allowed set');
$res = curl('/spn-www/whoami', ccache => $alice, host => 'www.example.test');
ok t_cmp($res->{status}, 200, 'and HTTP/www.example.test is accepted there');
$res = curl('/spn-localhost/whoami', ccache => $alice);
ok t_cmp($res->{status}, 200, 'a list with a realm-qualified principal accepts HTTP/localhost');
$res = curl('/spn-localhost/whoami', ccache => $alice, host => 'www.example.test');
ok t_cmp($res->{status}, 200, 'and the other listed principal');

# A ticket for an SPN that exists in the domain but has no key in the keytab.
$mark = log_mark();
$res = curl('/krb/whoami', ccache => $alice, host => 'other.example.test');
ok t_cmp($res->{status}, 401, 'ticket for HTTP/other.example.test: 401');
ok t_cmp(join(',', www_auth($res)), 'Negotiate,NTLM', 'with a fresh challenge');
my $log = log_since($mark);
ok t_cmp($log, qr/NEG0203: Kerberos authentication failed: refused a Kerberos ticket for HTTP\/other\.example\.test\@EXAMPLE\.TEST \(kvno \d+, aes256-cts-hmac-sha1-96\): the keytab FILE:\S+http\.keytab has no key for HTTP\/other\.example\.test\@EXAMPLE\.TEST/,
         'the log names principal, kvno and keytab');
ok t_cmp($log, qr/export that SPN's key into the keytab/, 'and says what to do');

# A ticket whose kvno is newer than the keytab's key (password changed).
$mark = log_mark();
$res = curl('/krb/whoami', ccache => $alice, host => 'old.example.test');
ok t_cmp($res->{status}, 401, 'ticket with a newer kvno than the keytab: 401');
$log = log_since($mark);
ok t_cmp($log, qr/ticket for HTTP\/old\.example\.test\@EXAMPLE\.TEST \(kvno (\d+), [^)]+\): the keytab \S+ holds HTTP\/old\.example\.test\@EXAMPLE\.TEST only with kvno \d+/,
         'the log names both kvnos');
ok t_cmp($log, qr/export the keytab again/, 'and the fix');

# A keytab the server cannot read.
$mark = log_mark();
$res = curl('/nokeytab/whoami', ccache => $alice);
ok t_cmp($res->{status}, 401, 'unreadable keytab: 401');
ok t_cmp(log_since($mark), qr/NEG0202: Kerberos is unavailable: the keytab FILE:\S+unreadable\.keytab is not readable by uid \d+: .*chmod 0640/,
         'the log says the keytab is unreadable and how to fix it');

# Two authenticated requests on one keep-alive connection.
$res = curl('/krb/whoami', ccache => $alice, again => ['--negotiate', '-u', ':']);
ok t_cmp($res->{codes}, '200200', 'two authenticated requests in one curl run');

# The server keeps serving.
$res = curl('/static.txt');
ok t_cmp($res->{status}, 200, 'static page after all of this');
ok t_cmp($res->{body}, "hello\n", 'with its body');

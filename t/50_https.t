# HTTPS: every mechanism and real client over TLS (the localhost virtual
# host, and www.example.test by SNI with a certificate of its own), HTTP/2,
# Extended Protection (channel and service binding: Off, Allow, Require)
# with clients that bind and clients that do not, relayed tokens (a genuine
# NTLMv2 response and a genuine Kerberos token bound to another
# certificate), an NTLM POST with Expect: 100-continue, and a forward proxy
# that authenticates its users (Proxy-Authorization, 407).
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempfile);
use NegTest;

plan tests => 58;

my $t = t_dir();
my $alice = kinit_user('alice');
my $other_cert = "$t/tmp/tls/other.pem";        # a relay's certificate
my $ntlm_user_file = "$t/tmp/ntlm_user_file.https";
{
    open(my $f, '>', $ntlm_user_file) or die;
    print $f "EXAMPLE:alice:AlicePassw0rd!\n";
}
my %gss_env = (NTLM_USER_FILE => $ntlm_user_file, KRB5CCNAME => 'FILE:/nonexistent');
my $alice_pw = ['-u', 'EXAMPLE\\alice:AlicePassw0rd!'];

sub body_var {
    my ($body, $var) = @_;
    return ($body // '') =~ /^\Q$var\E=(.*)$/m ? $1 : undef;
}

# ---------------------------------------------------------------- every mechanism over TLS
for my $host (qw(localhost www.example.test)) {
    my $r = curl('/krb/whoami', tls => 1, host => $host, ccache => $alice);
    ok t_cmp(body_var($r->{body}, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', "$host over TLS: Kerberos (curl)");
    $r = curl('/krb/whoami', tls => 1, host => $host, args => ['--ntlm', @$alice_pw]);
    ok t_cmp(body_var($r->{body}, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', "$host over TLS: NTLM (curl)");
}
for my $mech (qw(spnego krb5)) {
    my $r = python_gss(path => '/krb/whoami', mech => $mech, ccache => $alice, tls => 1);
    ok t_cmp("$r->{status} $r->{remote_user} $r->{mutual}", '200 alice@EXAMPLE.TEST 1',
             "over TLS: Kerberos from python3-gssapi ($mech), mutual authentication");
}
for my $c ([ntlm_auth => { impl => 'ntlm-auth' }],
           ['ntlm-auth under Negotiate' => { impl => 'ntlm-auth', scheme => 'Negotiate' }],
           ['gss-ntlmssp raw' => { impl => 'gss', scheme => 'Negotiate', env => \%gss_env }],
           ['gss-ntlmssp in SPNEGO' => { impl => 'gss', scheme => 'Negotiate', spnego => 1, env => \%gss_env }],
           ['requests-ntlm' => { impl => 'requests' }],
           ['Samba ntlm_auth helper' => { impl => 'helper' }]) {
    my ($name, $o) = @$c;
    my $r = ntlm_client(path => '/krb/whoami', tls => 1, %$o);
    ok t_cmp("$r->{status} $r->{remote_user}", '200 alice@EXAMPLE.TEST', "over TLS: NTLM from $name");
}
{
    my $r = curl('/down/whoami', tls => 1, args => $alice_pw);
    ok t_cmp(body_var($r->{body}, 'REMOTE_USER'), 'EXAMPLE\\alice', 'over TLS: Basic');
}

# ---------------------------------------------------------------- HTTP/2 over TLS
# curl over HTTPS with ALPN h2: "status version" of the final transfer, body
sub curl_h2 {
    my (@args) = @_;
    my ($bfh, $bfile) = tempfile(UNLINK => 1);
    my $out = `curl -s -k --http2 --max-time 20 -o $bfile -w '%{http_code} %{http_version}' @args 'https://localhost:${\ tls_port()}/krb/whoami'`;
    my $body = do { local $/; open(my $f, '<', $bfile) or die; <$f> } // '';
    return ($out, $body);
}
{
    my ($st, $body);
    {
        local $ENV{KRB5CCNAME} = "FILE:$alice";
        ($st, $body) = curl_h2('--negotiate', '-u', ':');
    }
    ok t_cmp($st, '200 2', 'HTTP/2: Kerberos signs in on an h2 stream');
    ok t_cmp(body_var($body, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', 'HTTP/2: as alice');
    my $mark = log_mark();
    ($st, $body) = curl_h2('--ntlm', '-u', "'EXAMPLE\\alice:AlicePassw0rd!'");
    ok t_cmp($st, '200 1.1', 'HTTP/2: NTLM is answered with HTTP_1_1_REQUIRED, and curl signs in over HTTP/1.1');
    ok t_cmp(body_var($body, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', 'HTTP/2 then HTTP/1.1: as alice');
    ok t_cmp(log_since($mark), qr/NEG0302: refused an NTLM token over HTTP\/2: .*the client is told to retry over HTTP\/1\.1 \(HTTP_1_1_REQUIRED\)/,
             'the log says why');
    # a client that does not retry sees the stream reset with HTTP_1_1_REQUIRED
    my $h2 = NegTest::run_client('/usr/bin/python3', "$t/client/h2_streams.py", '--port', tls_port(),
                                 '--path', '/krb/whoami', '--tls', '--ntlm-type1');
    ok t_cmp($h2->{reset1} // '', 13, 'HTTP/2: the NTLM stream is reset with HTTP_1_1_REQUIRED (0xd)');
}

# ---------------------------------------------------------------- Extended Protection
# NTLM (MsvAvChannelBindings, MsvAvTargetName) and Kerberos (the GSS
# checksum's channel bindings) at each mode, with a client that binds to
# this connection's certificate, one that does not bind, and one bound to
# another certificate (a relay's).
my %ntlm_expect = (
    #                    Off  Allow Require
    bound           => [200, 200, 200],
    unbound         => [200, 200, 401],
    relayed         => [200, 401, 401],
);
for my $case (sort keys %ntlm_expect) {
    my %o = %{ { bound => { cbt => 'auto' }, unbound => { cbt => 'none' },
                 relayed => { cbt => 'other', cbt_cert => $other_cert } }->{$case} };
    my @got;
    for my $mode (qw(off allow require)) {
        my $mark = log_mark();
        my $r = ntlm_client(path => "/epa-$mode/whoami", tls => 1, %o);
        push @got, $r->{status};
        my $log = log_since($mark);
        if ($r->{status} eq '401') {
            ok t_cmp($log, $case eq 'relayed'
                 ? qr/NEG0308: refused the NTLM logon of EXAMPLE\\\\alice \(workstation TESTWS\) \(NegotiateExtendedProtection \w+\): channel binding: it is bound to another TLS channel \(MsvAvChannelBindings [0-9a-f]{16}\.\.\., this connection's [0-9a-f]{16}\.\.\. from the SHA-256 of this server's certificate\)/
                 : qr/NEG0308: .*\(NegotiateExtendedProtection Require\): channel binding: it carries none \(no MsvAvChannelBindings\)/,
                 "NTLM $case at $mode: the log says which binding and why");
        }
    }
    ok t_cmp("@got", "@{ $ntlm_expect{$case} }", "NTLM (python3-ntlm-auth) $case: Off, Allow, Require");
}

# gss-ntlmssp binds to the channel and names the service (HTTP/host);
# a response meant for another service is refused under Allow and Require.
{
    my @got;
    for my $mode (qw(off allow require)) {
        push @got, ntlm_client(path => "/epa-$mode/whoami", tls => 1, impl => 'gss',
                               scheme => 'Negotiate', env => \%gss_env)->{status};
    }
    ok t_cmp("@got", '200 200 200', 'gss-ntlmssp (channel binding and HTTP/localhost): Off, Allow, Require');
    @got = ();
    for my $mode (qw(off allow require)) {
        my $mark = log_mark();
        push @got, ntlm_client(path => "/epa-$mode/whoami", tls => 1, impl => 'gss',
                               scheme => 'Negotiate', env => \%gss_env,
                               spn_host => 'other.example.test')->{status};
        ok t_cmp(log_since($mark), qr/NEG0308: .*service binding: it was meant for the service HTTP\/other\.example\.test, not this server \(localhost, port \d+\)/,
             "a response meant for HTTP/other.example.test at $mode: the log names it")
            if $mode ne 'off';
    }
    ok t_cmp("@got", '200 401 401', 'gss-ntlmssp meant for another service: Off, Allow, Require');
    @got = ();
    for my $mode (qw(off allow require)) {
        push @got, ntlm_client(path => "/epa-$mode/whoami", tls => 1, impl => 'gss', cbt => 'none',
                               scheme => 'Negotiate', env => \%gss_env)->{status};
    }
    ok t_cmp("@got", '200 200 401', 'gss-ntlmssp without channel bindings (16 zero bytes): Off, Allow, Require');
}

# requests-ntlm binds to the certificate it sees; curl binds to nothing.
{
    my @got = map { ntlm_client(path => "/epa-$_/whoami", tls => 1, impl => 'requests')->{status} }
              qw(off allow require);
    ok t_cmp("@got", '200 200 200', 'requests-ntlm (channel binding, no target name): Off, Allow, Require');
    @got = map { curl("/epa-$_/whoami", tls => 1, args => ['--ntlm', @$alice_pw])->{status} }
           qw(off allow require);
    ok t_cmp("@got", '200 200 401', 'curl --ntlm (no binding): Off, Allow, Require');
}

# The certificate of the connection, not of the server: www.example.test
# (SNI) presents its own, signed with SHA-384, so its binding is the SHA-384
# of that certificate.
{
    my $r = ntlm_client(path => '/epa-require/whoami', tls => 1, host => 'www.example.test');
    ok t_cmp($r->{status}, 200, 'SNI www.example.test: a binding to its certificate (SHA-384) passes Require');
    my $mark = log_mark();
    $r = ntlm_client(path => '/epa-require/whoami', tls => 1, host => 'www.example.test',
                     cbt => 'other', cbt_cert => "$t/tmp/tls/localhost.pem");
    ok t_cmp($r->{status}, 401, 'SNI www.example.test: a binding to the localhost certificate is refused');
    ok t_cmp(log_since($mark), qr/NEG0308: .*from the SHA-384 of this server's certificate/,
             'the log names the SHA-384 binding expected');
}

# Plain HTTP has no channel: a response bound to one was made for HTTPS.
{
    my @got;
    for my $mode (qw(off allow require)) {
        push @got, ntlm_client(path => "/epa-$mode/whoami", cbt => 'other', cbt_cert => $other_cert)->{status};
    }
    ok t_cmp("@got", '200 401 401', 'plain HTTP, a response bound to a TLS channel: Off, Allow, Require');
    @got = map { ntlm_client(path => "/epa-$_/whoami")->{status} } qw(off allow require);
    ok t_cmp("@got", '200 200 200', 'plain HTTP, no binding: every mode');
}

# Kerberos: python3-gssapi (MIT) binds when given channel bindings; curl
# (MIT too, through libcurl) does not.
{
    my %krb_expect = (auto => '200 200 200', none => '200 200 401');
    for my $cbt (qw(auto none)) {
        my @got;
        for my $mode (qw(off allow require)) {
            my $mark = log_mark();
            my $r = python_gss(path => "/epa-$mode/whoami", mech => 'spnego', ccache => $alice,
                               tls => 1, cbt => $cbt);
            push @got, $r->{status};
            ok t_cmp(log_since($mark), qr/NEG0210: refused the Kerberos ticket of alice\@EXAMPLE\.TEST for HTTP\/localhost\@EXAMPLE\.TEST \(NegotiateExtendedProtection Require\): channel binding: the ticket's authenticator carries none/,
                 'Kerberos without bindings at require: the log says so')
                if $r->{status} eq '401';
        }
        ok t_cmp("@got", $krb_expect{$cbt}, "Kerberos (python3-gssapi), channel bindings $cbt: Off, Allow, Require");
    }
    my @got = map { curl("/epa-$_/whoami", tls => 1, ccache => $alice)->{status} } qw(off allow require);
    ok t_cmp("@got", '200 200 401', 'curl --negotiate (no binding): Off, Allow, Require');

    # a genuine token bound to another certificate: refused where bindings
    # are checked; the very same token is accepted where they are not
    for my $mode (qw(allow require)) {
        my $mark = log_mark();
        my $r = python_gss(path => "/epa-$mode/whoami", mech => 'spnego', ccache => $alice,
                           tls => 1, cbt => 'other', cbt_cert => $other_cert, also => '/epa-off/whoami');
        ok t_cmp($r->{status}, 401, "Kerberos token bound to another certificate at $mode: 401");
        ok t_cmp($r->{also_status}, 200, "... the very same token at Off: 200 (the check is the module's)");
        ok t_cmp(log_since($mark), qr/NEG0210: refused a Kerberos ticket \(NegotiateExtendedProtection \w+\): channel binding: its authenticator is bound to another TLS channel than this connection's \(tls-server-end-point [0-9a-f]{16}\.\.\., the SHA-256 of this server's certificate\)/,
             "... the log says it is bound to another channel");
    }
}

# ---------------------------------------------------------------- Expect: 100-continue
{
    my ($fh, $file) = tempfile(UNLINK => 1);
    print $fh 'x' x 3000;
    close $fh;
    my $r = curl('/krb/whoami', args => ['--ntlm', @$alice_pw, '-H', 'Expect: 100-continue',
                                         '--data-binary', "\@$file"]);
    ok t_cmp($r->{status}, 200, 'NTLM POST with Expect: 100-continue (NEGOTIATE leg with Content-Length: 0): 200');
    ok t_cmp(body_var($r->{body}, 'BODY_LEN'), 3000, 'the application gets the whole body');
    ok t_cmp($r->{all_headers}, qr/^(?!.*Connection: close)/si, 'the handshake\'s 401 kept the connection');
}

# ---------------------------------------------------------------- forward proxy
{
    my $proxy = Apache::Test::config()->{vhosts}{neg_proxy}{port};
    my $target = 'http://localhost:' . port() . '/static.txt';
    my $run = sub {
        my (@args) = @_;
        my ($hfh, $hfile) = tempfile(UNLINK => 1);
        my $code = `curl -s -o /dev/null -D $hfile -w '%{http_code}' --max-time 20 -x http://localhost:$proxy @args '$target'`;
        my $headers = do { local $/; open(my $f, '<', $hfile) or die; <$f> } // '';
        return ($code, $headers);
    };
    my ($code, $headers) = $run->();
    ok t_cmp($code, 407, 'proxy without credentials: 407');
    ok t_cmp($headers, qr/^Proxy-Authenticate: Negotiate\r?$/mi, 'Proxy-Authenticate: Negotiate');
    ok t_cmp($headers, qr/^Proxy-Authenticate: NTLM\r?$/mi, 'Proxy-Authenticate: NTLM');
    ok t_cmp($headers, qr/^(?!.*WWW-Authenticate)/si, 'no WWW-Authenticate');
    ($code) = $run->("--proxy-ntlm -U 'EXAMPLE\\alice:AlicePassw0rd!'");
    ok t_cmp($code, 200, 'curl --proxy-ntlm: through the proxy');
    {
        local $ENV{KRB5CCNAME} = "FILE:$alice";
        ($code) = $run->('--proxy-negotiate -U :');
    }
    ok t_cmp($code, 200, 'curl --proxy-negotiate: through the proxy');
    ($code) = $run->("--proxy-ntlm -U 'EXAMPLE\\alice:wrong'");
    ok t_cmp($code, 407, 'a wrong password: 407');
    my $log = do { local $/; open(my $f, '<', "$t/logs/neg_access.log") or die; <$f> };
    ok t_cmp($log, qr/ alice\@EXAMPLE\.TEST \[[^\]]+\] "GET http:\/\/localhost:\d+\/static\.txt HTTP\/1\.1" 200/,
             'the proxy\'s access log names alice');
}

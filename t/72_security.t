# Nobody signs in as someone they did not prove to be: identities do not
# outlive their credentials or cross into places whose rules they do not
# meet, and tickets that prove nobody are refused. Each case is a defect an
# independent review found (the Kerberos replay with rewritten names is in
# t/60_replay.t; those that need root are in t/root/).
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempfile);
use NegTest;

plan tests => 51;

my $alice = kinit_user('alice');
my $t = t_dir();

sub var {
    my ($body, $name) = @_;
    return $body =~ /^\Q$name\E=(.*)$/m ? $1 : undef;
}

# curl with its own arguments, every transfer on one connection when it
# can: returns the "status connects http_version" line of each transfer,
# the last body and the whole of its stdout.
sub curl_seq {
    my (%o) = @_;
    my ($bfh, $bfile) = tempfile(UNLINK => 1);
    my @cmd = ('curl', '-s', '-S', '--max-time', '20');
    my $first = 1;
    for my $req (@{ $o{requests} }) {
        push @cmd, '--next' unless $first;
        $first = 0;
        push @cmd, '-o', $bfile, '-w', '%{http_code} %{num_connects} %{http_version}\n',
            @{ $req->{args} || [] }, $req->{url};
    }
    local $ENV{KRB5CCNAME} = $o{ccache} ? "FILE:$o{ccache}" : 'FILE:/nonexistent';
    my $out = `@{[ map { "'$_'" } @cmd ]}`;
    my $body = do { local $/; open(my $f, '<', $bfile) or die; <$f> } // '';
    return ([split /\n/, $out], $body);
}

my $alice_basic = ['-u', 'EXAMPLE\\alice:AlicePassw0rd!'];

# ---------------------------------------------------------------- Basic

# Every Basic request carries its credentials: the next request on the
# connection without them is nobody (a proxy may reuse one back-end
# connection for another user).
{
    my ($lines) = curl_seq(requests => [
        { url => url('/basicplain/whoami'), args => $alice_basic },
        { url => url('/basicplain/whoami') } ]);
    ok t_cmp("@$lines", qr/^200 1 1\.1 401 0 1\.1$/,
             'Basic: a request without credentials after a Basic logon on the same connection: 401');
}

# HTTP/2: streams of one connection are not one client. A Basic logon on
# one stream is not the identity of the next.
sub h2_streams {
    local $ENV{OPENSSL_CONF} = "$t/client/openssl-legacy.cnf";
    return NegTest::run_client('/usr/bin/python3', "$t/client/h2_streams.py",
                               '--port', port(), @_);
}
{
    my $r = h2_streams('--path', '/basicplain/whoami', '--basic', 'EXAMPLE\\alice:AlicePassw0rd!');
    ok t_cmp("$r->{stream1} $r->{stream3}", '200 401',
             'HTTP/2: Basic on stream 1, then stream 3 without credentials on the same connection: 401');
    ok t_cmp($r->{users}, 'alice@EXAMPLE.TEST,', 'only stream 1 reached the application, as alice');
}

# HTTP/1.1 NTLM, then the connection upgrades to h2c: its streams do not
# inherit the connection's identity.
{
    my $r = h2_streams('--path', '/ntlmonly/whoami');
    ok t_cmp($r->{ntlm_status} // '', 200, 'h2c: the NTLM handshake over HTTP/1.1 succeeds');
    ok t_cmp($r->{upgrade} // '', 101, 'h2c: the connection upgrades');
    ok t_cmp($r->{stream1} // '', 401, 'h2c: the upgraded request (stream 1) is not the NTLM user');
    ok t_cmp($r->{stream3} // '', qr/^(401|goaway)$/,
             'h2c: a later stream is not the NTLM user either (401, or not processed)');
    ok t_cmp($r->{users} // '', ',', 'h2c: no stream reached the application as anyone');
}

# ---------------------------------------------------------------- reuse

# A persisted Kerberos identity does not cross into a location with
# another service principal or another keytab.
for my $to (qw(persist-www persist-kt2)) {
    my ($lines, $body) = curl_seq(ccache => $alice, requests => [
        { url => url('/persist/whoami'), args => ['--negotiate', '-u', ':'] },
        { url => url("/$to/whoami") } ]);
    ok t_cmp("@$lines", qr/^200 1 1\.1 401 0 1\.1$/,
             "persisted at /persist/, then /$to/ on the same connection without a token: 401");
}
{
    my $mark = log_mark();
    curl_seq(ccache => $alice, requests => [
        { url => url('/persist/whoami'), args => ['--negotiate', '-u', ':'] },
        { url => url('/persist-www/whoami') } ]);
    ok t_cmp(log_since($mark), qr/NEG0108: the identity this connection proved \(alice\@EXAMPLE\.TEST by kerberos\) is not accepted here: its ticket is for HTTP\/localhost\@EXAMPLE\.TEST, which NegotiateServicePrincipal here does not allow/,
             'the log says why the connection\'s identity is not reused');
    ($mark) = log_mark();
    curl_seq(ccache => $alice, requests => [
        { url => url('/persist/whoami'), args => ['--negotiate', '-u', ':'] },
        { url => url('/persist-kt2/whoami') } ]);
    ok t_cmp(log_since($mark), qr/NEG0108: .*its ticket was accepted with the keytab FILE:\S+http\.keytab, and this location uses FILE:\S+second\.keytab/,
             'another keytab: the log names both');
}

# Internal redirects: the first request's identity goes only where the
# target's rules admit how it was proved (TLS, service principal).
{
    my $mark = log_mark();
    my $r = curl('/redir-tls/missing', ccache => $alice);
    ok t_cmp($r->{body}, qr/^(?!.*REMOTE_USER=)/s,
             'ErrorDocument into a NegotiateRequireTLS location over plain HTTP: the application never runs');
    ok t_cmp(log_since($mark), qr/NEG0601: refused a plain-HTTP request/, 'with the TLS refusal logged');
    $mark = log_mark();
    $r = curl('/redir-spn/missing', ccache => $alice);
    ok t_cmp($r->{body}, qr/^(?!.*REMOTE_USER=)/s,
             'ErrorDocument into a location that allows only another SPN: the application never runs');
    ok t_cmp(log_since($mark), qr/NEG0107: refused to carry the identity of alice\@EXAMPLE\.TEST \(kerberos, proved at \/redir-spn\/\S+\) into an internal redirect or subrequest: its ticket is for HTTP\/localhost\@EXAMPLE\.TEST, which NegotiateServicePrincipal here does not allow/,
             'with the reason logged');
}

# ...and where it goes, the application gets all of it again.
{
    my $r = curl('/krb/missing', ccache => $alice);
    ok t_cmp(var($r->{body}, 'REDIRECT_STATUS'), 404, 'ErrorDocument: the error page runs');
    ok t_cmp(var($r->{body}, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', 'ErrorDocument: REMOTE_USER');
    ok t_cmp(var($r->{body}, 'NEGOTIATE_MECH'), 'kerberos', 'ErrorDocument: NEGOTIATE_MECH again');
    ok t_cmp(var($r->{body}, 'NEGOTIATE_PRINCIPAL'), 'alice@EXAMPLE.TEST', 'ErrorDocument: NEGOTIATE_PRINCIPAL again');
    ok t_cmp(var($r->{body}, 'NEGOTIATE_USER_SID'), qr/^S-1-5-21-/, 'ErrorDocument: NEGOTIATE_USER_SID again');
    $r = curl('/front/some/page', ccache => $alice, args => ['--delegation', 'always']);
    ok t_cmp($r->{status}, 200, 'a front controller rewrite (mod_rewrite internal redirect): 200');
    ok t_cmp(var($r->{body}, 'NEGOTIATE_DOMAIN'), 'EXAMPLE', 'rewrite: NEGOTIATE_DOMAIN again');
    ok t_cmp(var($r->{body}, 'KRB5CCNAME'), qr/^FILE:.*krb5cc_negotiate_/, 'rewrite: KRB5CCNAME again');
    ok t_cmp(var($r->{body}, 'CCACHE_PRINCIPAL'), 'alice@EXAMPLE.TEST', 'rewrite: the delegated ccache is alice\'s');
}

# ---------------------------------------------------------------- nobodies

# Anonymous Kerberos (RFC 6112): a ticket for WELLKNOWN/ANONYMOUS proves
# nobody. Minted with the service key, as a KDC that does anonymous PKINIT
# would issue it.
SKIP: {
    my $cc = mint_ticket(client => 'WELLKNOWN/ANONYMOUS@WELLKNOWN:ANONYMOUS', flags => 'anonymous');
    my $tok = $cc ? krb5_token($cc, '--from-cache') : '';
    unlink $cc if $cc;
    skip 'cannot mint an anonymous ticket (kimpersonate)', 3 unless $tok;
    my $mark = log_mark();
    my $r = curl('/krb/whoami', header => ["Authorization: Negotiate $tok"]);
    ok t_cmp($r->{status}, 401, 'an anonymous Kerberos ticket: 401');
    ok t_cmp($r->{body}, qr/^(?!.*REMOTE_USER=)/s, 'the application never runs');
    ok t_cmp(log_since($mark), qr/NEG0209: refused an anonymous Kerberos ticket \(WELLKNOWN\/ANONYMOUS\@WELLKNOWN:ANONYMOUS\) for HTTP\/localhost\@EXAMPLE\.TEST: an anonymous logon proves no identity/,
             'the log says so');
}

# Computer accounts (HOSTILEWS$): refused unless NegotiateMachineAccounts
# On (NTLM: t/71_hostile_table.t).
ensure_machine_account();
{
    my $cc = "$t/tmp/hostilews.$$.cc";
    open(my $k, '|-', "KRB5CCNAME=FILE:$cc kinit --password-file=STDIN 'HOSTILEWS\$\@EXAMPLE.TEST'") or die;
    print $k machine_password(), "\n";
    close $k;
    my $mark = log_mark();
    my $r = curl('/krb/whoami', ccache => $cc);
    ok t_cmp($r->{status}, 401, 'a computer account by Kerberos: 401');
    ok t_cmp(log_since($mark), qr/NEG0208: refused the Kerberos ticket of the computer account HOSTILEWS\$\@EXAMPLE\.TEST: computer and trust accounts may not sign in here \(NegotiateMachineAccounts Off\)/,
             'the log names the account and the directive');
    $r = curl('/machines/whoami', ccache => $cc);
    ok t_cmp(var($r->{body}, 'REMOTE_USER'), 'HOSTILEWS$@EXAMPLE.TEST', 'NegotiateMachineAccounts On: signed in');
    unlink $cc;

    # Samba's winbind refuses plain-text (interactive) logons of computer
    # accounts itself (NT_STATUS_NO_SUCH_USER), allowed or not.
    $mark = log_mark();
    $r = curl('/basicplain/whoami', args => ['-u', 'EXAMPLE\\HOSTILEWS$:' . machine_password()]);
    ok t_cmp($r->{status}, 401, 'a computer account by Basic: 401');
    ok t_cmp(log_since($mark), qr/NEG050[24]: Basic logon of EXAMPLE\\\\HOSTILEWS\$ refused/, 'the log says so');
}

# A user account is not a computer account.
ok t_cmp(var(curl('/basicplain/whoami', args => $alice_basic)->{body}, 'REMOTE_USER'),
         'alice@EXAMPLE.TEST', 'alice by Basic still signs in');
ok t_cmp(curl('/krb/whoami', ccache => $alice)->{status}, 200, 'alice by Kerberos still signs in');

# ---------------------------------------------------------------- names

# Names that would merge people or reach the application's environment and
# a reverse proxy's request headers as they are: tickets without a PAC
# (a KDC outside AD), minted with the service key, for a client name with a
# control character, and for one without a realm (REMOTE_USER "alice@",
# the same for every such alice). Heimdal writes a bare CR, 0x01 or DEL in
# a name as it is. Refused with a log line, the application never runs.
sub minted_token {
    my ($client) = @_;
    my $cc = mint_ticket(client => $client);
    my $tok = $cc ? krb5_token($cc, '--from-cache') : '';
    unlink $cc if $cc;
    return $tok;
}

for my $case (["ali\rce\@EXAMPLE.TEST", 'CR', '0x0d', 'ali\\\\x0dce@EXAMPLE.TEST'],
              ["ali\x01ce\@EXAMPLE.TEST", '0x01', '0x01', 'ali\\\\x01ce@EXAMPLE.TEST'],
              ["ali\x7fce\@EXAMPLE.TEST", 'DEL', '0x7f', 'ali\\\\x7fce@EXAMPLE.TEST']) {
    my ($client, $what, $byte, $logged) = @$case;
    my $tok = minted_token($client);
    SKIP: {
        skip "cannot mint a ticket for a name with $what (kimpersonate)", 3 unless $tok;
        my $mark = log_mark();
        my $r = curl('/krb/whoami', header => ["Authorization: Negotiate $tok"]);
        ok t_cmp($r->{status}, 401, "a ticket for a name with $what: 401");
        ok t_cmp($r->{body}, qr/^(?!.*REMOTE_USER=)/s, "$what: the application never runs");
        ok t_cmp(log_since($mark), qr/NEG0403: refused the Kerberos ticket of \Q$logged\E: its account name holds the control character $byte, which would reach REMOTE_USER/,
                 "$what: the log says which name, which field, which byte");
    }
}

{
    my $tok = minted_token('alice@');
    SKIP: {
        skip 'cannot mint a ticket without a realm (kimpersonate)', 3 unless $tok;
        my $mark = log_mark();
        my $r = curl('/krb/whoami', header => ["Authorization: Negotiate $tok"]);
        ok t_cmp($r->{status}, 401, 'a ticket whose client has no realm: 401');
        ok t_cmp($r->{body}, qr/^(?!.*REMOTE_USER=)/s, 'no realm: the application never runs');
        ok t_cmp(log_since($mark), qr/NEG0402: refused the Kerberos ticket of alice\@: the ticket's client has no realm, so REMOTE_USER and NEGOTIATE_PRINCIPAL would be alice\@/,
                 'no realm: the log says what the name would be');
    }
}

# Where the realm begins: the last '@'. A name may hold one (an
# enterprise principal, alice@example.com of EXAMPLE.TEST), and Heimdal's
# gss_display_name writes it as it is: alice@example.com@EXAMPLE.TEST.
{
    my $tok = minted_token('alice\@example.com@EXAMPLE.TEST');
    SKIP: {
        skip 'cannot mint a ticket for alice\@example.com (kimpersonate)', 4 unless $tok;
        my $r = curl('/short/whoami', header => ["Authorization: Negotiate $tok"]);
        ok t_cmp($r->{status}, 200, 'a name with an @ in it: 200');
        ok t_cmp(var($r->{body}, 'REMOTE_USER'), 'alice@example.com',
                 'NegotiateUserFormat short: the name up to the last @');
        $r = curl('/krbmap/whoami', header => ["Authorization: Negotiate " . minted_token('alice\@example.com@EXAMPLE.TEST')]);
        ok t_cmp(var($r->{body}, 'REMOTE_USER'), 'alice@example.com@EXAMPLE.TEST', 'upn: name and realm');
        ok t_cmp(var($r->{body}, 'NEGOTIATE_PRINCIPAL'), 'alice@example.com@EXAMPLE.TEST', 'NEGOTIATE_PRINCIPAL');
    }
}

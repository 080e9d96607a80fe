# A real browser: headless Chromium (Debian's /usr/bin/chromium, driven by
# playwright-core through t/browser/browse.js) signs alice in as a user's
# browser would: Kerberos single sign-on from her ticket cache, NTLM with
# a name and password typed at the prompt, NTLM inside SPNEGO from
# Chromium's GSSAPI with gss-ntlmssp, a wrong password. Each test checks
# what the user sees (the page: REMOTE_USER), how often the browser asked
# for a password (prompts: Chromium's sign-in dialog, answered by the
# harness like a user), what went over the wire (every leg of the
# handshake, from Chromium's NetLog), and saves a screenshot in
# t/logs/browser/. The second half backs doc/clients.md's "Browser set-up"
# statements: no Negotiate without the allowlist, none before the profile
# has seen a Negotiate challenge, delegation only with the delegation
# allowlist, dotted names need to be in the allowlist.
#
# Each success is preceded, in the same browser, by a control on a location
# where the feature is broken (keytab unreadable, NTLM not offered): the
# same checks must fail there, or they prove nothing.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use JSON::PP ();
use NegTest;

# The sites every test runs against, each a scheme (and its port) of the
# test httpd: plain HTTP, and the TLS virtual host (with HTTP/2 offered:
# Chromium speaks h2 there, and an NTLM token on an h2 stream is answered
# with HTTP_1_1_REQUIRED, after which Chromium retries over HTTP/1.1;
# Chromium does not know the test CA).
my @sites = (
    { name => 'http', tls => 0 },
    { name => 'https', tls => 1 },
);

my $per_site = 74;
plan tests => $per_site * @sites;

my $t = t_dir();
my $alice_cc = kinit_user('alice');
my $ntlm_user_file = "$t/tmp/browser_ntlm_user";
{
    open(my $f, '>', $ntlm_user_file) or die;
    print $f "EXAMPLE:alice:AlicePassw0rd!\n";
}
my $ticket = { KRB5_CONFIG => $ENV{KRB5_CONFIG}, KRB5CCNAME => "FILE:$alice_cc" };
my $no_ticket = { KRB5_CONFIG => $ENV{KRB5_CONFIG}, KRB5CCNAME => 'FILE:/nonexistent' };
my $alice = { username => 'EXAMPLE\\alice', password => 'AlicePassw0rd!' };
my $www = 'www.example.test';

# What the application printed (the CGI's KEY=VALUE lines).
sub var {
    my ($v, $key) = @_;
    return $v->{text} =~ /^\Q$key\E=(.*)$/m ? $1 : undef;
}

# The statuses of a page load's legs, e.g. "401,200".
sub statuses { join ',', map { $_->{status} // '-' } @{ $_[0]{legs} } }

# What each leg's Authorization carried, e.g. "Negotiate:spnego-init:krb5-ap-req",
# "NTLM:raw:ntlmssp:1"; legs without one are left out.
sub sent {
    my ($v) = @_;
    return join ',', map {
        my $a = $_->{authorization};
        join ':', grep { defined } $a->{scheme}, $a->{framing}, $a->{token}, $a->{ntlm_type};
    } grep { $_->{authorization} } @{ $v->{legs} };
}

sub prompts { scalar @{ $_[0]{prompts} } }

# Chromium's authentication events of one kind.
sub auth_events {
    my ($r, $event) = @_;
    return grep { $_->{event} eq $event } @{ $r->{auth} };
}

# The control: the page of the application never showed.
sub refused {
    my ($v) = @_;
    return (!grep({ ($_->{status} // 0) == 200 } @{ $v->{legs} })
            && ($v->{status} // 0) != 200 && $v->{text} !~ /REMOTE_USER=/) ? 1 : 0;
}

sub shot_ok {
    my ($name, $what) = @_;
    my $png = screenshot($name);
    ok t_cmp(-s $png && do { open(my $f, '<', $png); read($f, my $sig, 8); $sig } // '',
             "\x89PNG\r\n\x1a\n", "$what: screenshot in $png");
}

for my $site (@sites) {
    my $s = $site->{name};
    my $u = sub { url($_[0], $_[1] // 'localhost', $site->{tls}) };
    my %common = (ignoreHTTPSErrors => $site->{tls} ? JSON::PP::true : JSON::PP::false,
                  resolve => { $www => '127.0.0.1' });

    # ------------------------------------------------ Kerberos single sign-on
    my $r = browser(%common, allowlist => 'localhost', env => $ticket, visits => [
        { url => $u->('/nokeytab/whoami') },
        { url => $u->('/krb/whoami'), screenshot => screenshot("$s-kerberos_sso") },
        { url => $u->('/deleg/whoami') },
        { url => $u->('/krb/whoami', $www), screenshot => screenshot("$s-not_in_allowlist") },
    ]);
    my ($control, $sso, $deleg, $dotted) = @{ $r->{visits} };
    t_debug("kerberos: $r->{total_ms} ms");
    ok t_cmp(sent($control), qr/^Negotiate:spnego-init:krb5-ap-req/,
             "$s control: Chromium sends its ticket to a location whose keytab is unreadable");
    ok t_cmp(refused($control), 1, "$s control: ... and the application's page never shows");

    ok t_cmp($sso->{status}, 200, "$s Kerberos SSO: 200");
    ok t_cmp(var($sso, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', "$s Kerberos SSO: the page shows REMOTE_USER");
    ok t_cmp(var($sso, 'AUTH_TYPE'), 'Negotiate', "$s Kerberos SSO: AUTH_TYPE");
    ok t_cmp(var($sso, 'NEGOTIATE_MECH'), 'kerberos', "$s Kerberos SSO: by Kerberos");
    ok t_cmp(prompts($sso), 0, "$s Kerberos SSO: no password prompt");
    ok t_cmp(statuses($sso), '401,200', "$s Kerberos SSO: one 401 (the anonymous request), then 200");
    ok t_cmp(sent($sso), 'Negotiate:spnego-init:krb5-ap-req',
             "$s Kerberos SSO: one Negotiate token, a Kerberos AP-REQ in SPNEGO");
    ok t_cmp(join(',', map { $_->{library_name} } auth_events($r, 'AUTH_LIBRARY_LOAD')),
             'libgssapi_krb5.so.2', "$s Kerberos SSO: Chromium loaded MIT's GSSAPI");
    ok t_cmp((map { $_->{spn} } auth_events($r, 'AUTH_LIBRARY_IMPORT_NAME'))[0], 'HTTP@localhost',
             "$s Kerberos SSO: for the service HTTP\@localhost");
    shot_ok("$s-kerberos_sso", "$s Kerberos SSO");

    ok t_cmp($deleg->{status}, 200, "$s no delegation allowlist: signed in");
    ok t_cmp(var($deleg, 'KRB5CCNAME'), '', "$s no delegation allowlist: no credentials delegated");

    ok t_cmp(sent($dotted), '', "$s $www not in the allowlist: no Negotiate token sent");
    ok t_cmp(prompts($dotted), 1, "$s $www not in the allowlist: the browser asks for a password");
    ok t_cmp(refused($dotted), 1, "$s $www not in the allowlist: no page (prompt cancelled)");
    shot_ok("$s-not_in_allowlist", "$s $www not in the allowlist");

    # ------------------------------------------------ NTLM, typed credentials
    $r = browser(%common, allowlist => 'localhost', env => $no_ticket, credentials => $alice, visits => [
        { url => $u->('/kerbonly/whoami') },
        { url => $u->('/krb/whoami'), screenshot => screenshot("$s-ntlm_typed") },
    ]);
    ($control, my $ntlm) = @{ $r->{visits} };
    t_debug("ntlm: $r->{total_ms} ms");
    ok t_cmp(refused($control), 1, "$s control: no page where NTLM is not offered (Negotiate:Kerberos)");
    ok t_cmp(prompts($control), 0, "$s control: ... and no prompt there");

    ok t_cmp($ntlm->{status}, 200, "$s NTLM typed: 200");
    ok t_cmp(var($ntlm, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', "$s NTLM typed: the page shows REMOTE_USER");
    ok t_cmp(var($ntlm, 'AUTH_TYPE'), 'NTLM', "$s NTLM typed: under the NTLM scheme");
    ok t_cmp(prompts($ntlm), 1, "$s NTLM typed: one prompt");
    ok t_cmp($ntlm->{prompts}[0]{scheme}, 'ntlm', "$s NTLM typed: for NTLM");
    ok t_cmp(sent($ntlm), 'NTLM:raw:ntlmssp:1,NTLM:raw:ntlmssp:3',
             "$s NTLM typed: NEGOTIATE and AUTHENTICATE under NTLM, no Negotiate token");
    ok t_cmp(join(',', map { my $w = $_->{www_authenticate}[0]; "$_->{status}:" . ($w->{ntlm_type} // '') }
                       grep { $_->{authorization} } @{ $ntlm->{legs} }),
             '401:2,200:', "$s NTLM typed: the CHALLENGE came on a 401, then 200");
    shot_ok("$s-ntlm_typed", "$s NTLM typed");

    # ------------------------------------------------ wrong password
    my $mark = log_mark();
    $r = browser(%common, allowlist => 'localhost', env => $no_ticket,
                 credentials => { %$alice, password => 'WrongPassw0rd!' }, visits => [
        { url => $u->('/krb/whoami'), screenshot => screenshot("$s-wrong_password") },
    ]);
    my ($wrong) = @{ $r->{visits} };
    t_debug("wrong password: $r->{total_ms} ms");
    ok t_cmp(refused($wrong), 1, "$s wrong password: never a 200, no page of the application");
    ok t_cmp($wrong->{status}, 401, "$s wrong password: the browser ends on the 401");
    ok t_cmp(sent($wrong), qr/NTLM:raw:ntlmssp:3/, "$s wrong password: the AUTHENTICATE was sent");
    ok t_cmp(prompts($wrong), 2, "$s wrong password: the browser asks again after the refusal");
    ok t_cmp(join(',', map { $_->{answered} ? 'typed' : 'cancel' } @{ $wrong->{prompts} }),
             'typed,cancel', "$s wrong password: the user typed once, then cancelled");
    ok t_cmp(log_since($mark), qr/NEG0304: .*EXAMPLE\\+alice.*WRONG_PASSWORD/,
             "$s wrong password: the log says so");
    shot_ok("$s-wrong_password", "$s wrong password");

    # ------------------------------------------------ NTLM in SPNEGO (gss-ntlmssp)
    $r = browser(%common, allowlist => 'localhost',
                 env => { %$no_ticket, NTLM_USER_FILE => $ntlm_user_file }, visits => [
        { url => $u->('/kerbonly/whoami') },
        { url => $u->('/krb/whoami'), screenshot => screenshot("$s-ntlm_in_spnego") },
    ]);
    ($control, my $spnego) = @{ $r->{visits} };
    t_debug("ntlm in spnego: $r->{total_ms} ms");
    ok t_cmp(sent($control), qr/^Negotiate:spnego-init:ntlmssp:1/,
             "$s control: Chromium's GSSAPI offers NTLM in SPNEGO where only Kerberos is allowed");
    ok t_cmp(refused($control), 1, "$s control: ... and the application's page never shows");

    ok t_cmp($spnego->{status}, 200, "$s NTLM in SPNEGO: 200");
    ok t_cmp(var($spnego, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', "$s NTLM in SPNEGO: the page shows REMOTE_USER");
    ok t_cmp(var($spnego, 'AUTH_TYPE'), 'Negotiate', "$s NTLM in SPNEGO: under Negotiate");
    ok t_cmp(var($spnego, 'NEGOTIATE_MECH'), 'ntlm', "$s NTLM in SPNEGO: by NTLM");
    ok t_cmp(prompts($spnego), 0, "$s NTLM in SPNEGO: no prompt");
    ok t_cmp(sent($spnego), 'Negotiate:spnego-init:ntlmssp:1,Negotiate:spnego-resp:ntlmssp:3',
             "$s NTLM in SPNEGO: NEGOTIATE in a NegTokenInit, AUTHENTICATE in a NegTokenResp");
    my ($init) = grep { $_->{authorization} } @{ $spnego->{legs} };
    ok t_cmp(join(',', @{ $init->{authorization}{mechs} }), qr/ntlmssp/,
             "$s NTLM in SPNEGO: the NegTokenInit lists NTLMSSP");
    my ($challenge) = map { $_->{www_authenticate}[0] } grep { ($_->{status} // 0) == 401 && $_->{authorization} }
                      @{ $spnego->{legs} };
    ok t_cmp(join(':', map { $_ // '' } @{$challenge}{qw(scheme framing ntlm_type)}), 'Negotiate:spnego-resp:2',
             "$s NTLM in SPNEGO: the CHALLENGE came back in a NegTokenResp");
    shot_ok("$s-ntlm_in_spnego", "$s NTLM in SPNEGO");

    # ------------------------------------------------ Extended Protection
    # NegotiateExtendedProtection Require refuses a token that is not bound
    # to this TLS channel. Chromium's own NTLM binds its AUTHENTICATE
    # (MsvAvChannelBindings, MsvAvTargetName): signed in. Chromium's
    # Kerberos through GSSAPI on Linux passes no channel bindings: refused,
    # as doc/security.md says, with the log line that explains it.
    if ($site->{tls}) {
        $mark = log_mark();
        $r = browser(%common, allowlist => 'localhost', env => $no_ticket, credentials => $alice, visits => [
            { url => $u->('/epa-require/whoami'), screenshot => screenshot("$s-epa_ntlm") },
        ]);
        my ($epa_ntlm) = @{ $r->{visits} };
        ok t_cmp(var($epa_ntlm, 'REMOTE_USER'), 'alice@EXAMPLE.TEST',
                 "$s EPA Require: Chromium's NTLM is bound to the channel: signed in");
        ok t_cmp(sent($epa_ntlm), 'NTLM:raw:ntlmssp:1,NTLM:raw:ntlmssp:3', "$s EPA Require: by NTLM");
        ok t_cmp(log_since($mark), qr/^(?!.*NEG0308)/s, "$s EPA Require: no binding refusal logged");
        shot_ok("$s-epa_ntlm", "$s EPA Require NTLM");

        $mark = log_mark();
        $r = browser(%common, allowlist => 'localhost', env => $ticket, visits => [
            { url => $u->('/epa-allow/whoami') },
            { url => $u->('/epa-require/whoami') },
        ]);
        my ($epa_allow, $epa_krb) = @{ $r->{visits} };
        ok t_cmp(var($epa_allow, 'REMOTE_USER'), 'alice@EXAMPLE.TEST',
                 "$s EPA Allow: Chromium's Kerberos (no bindings) signs in");
        ok t_cmp(refused($epa_krb), 1, "$s EPA Require: Chromium's Kerberos without bindings: no page");
        ok t_cmp(log_since($mark), qr/NEG0210: /, "$s EPA Require: the log says the ticket was not bound");
    }
    else {
        skip("$s: Extended Protection needs TLS") for 1 .. 7;
    }

    # ------------------------------------ doc/clients.md: Browser set-up
    # Without AuthServerAllowlist (--auth-server-allowlist) Linux Chromium
    # never sends Negotiate, ticket or not: it asks for a password.
    $r = browser(%common, env => $ticket, visits => [
        { url => $u->('/krb/whoami'), screenshot => screenshot("$s-no_allowlist") },
    ]);
    my ($noallow) = @{ $r->{visits} };
    ok t_cmp(sent($noallow), '', "$s no allowlist: no Negotiate token although alice has a ticket");
    ok t_cmp(prompts($noallow), 1, "$s no allowlist: the browser asks for a password instead");
    ok t_cmp(refused($noallow), 1, "$s no allowlist: no page");
    ok t_cmp(scalar(grep { $_->{scheme} eq 'negotiate' && $_->{error} } auth_events($r, 'AUTH_HANDLER_CREATE_RESULT')),
             1, "$s no allowlist: Chromium refused to make a Negotiate handler");
    shot_ok("$s-no_allowlist", "$s no allowlist");

    # A profile that has never seen a Negotiate challenge: Linux Chromium
    # does not load GSSAPI for the first one (ERR_UNSUPPORTED_AUTH_SCHEME,
    # a prompt), remembers it in Local State, and signs in from the next
    # page on. This is Chromium's own behaviour, the same for every scheme;
    # it is checked on plain HTTP only: over HTTPS the first challenge
    # comes on h2, and the NTLM prompt that follows makes Chromium retry
    # over HTTP/1.1 (connection-based schemes need it), where the new
    # Local State already allows Negotiate: the first page then signs in.
    if ($site->{tls}) {
        skip("$s new profile: checked on plain HTTP (see comment)") for 1 .. 6;
    }
    else {
        $r = browser(%common, allowlist => 'localhost', negotiatePref => JSON::PP::false, env => $ticket,
                     visits => [{ url => $u->('/krb/whoami') }, { url => $u->('/krb/whoami') }]);
        my ($first, $next) = @{ $r->{visits} };
        t_debug("new profile: $r->{total_ms} ms");
        ok t_cmp(sent($first), '', "$s new profile: no Negotiate token for the first challenge");
        ok t_cmp(prompts($first), 1, "$s new profile: a prompt instead");
        ok t_cmp(refused($first), 1, "$s new profile: no page");
        ok t_cmp(join(',', map { $_->{error} } grep { $_->{scheme} eq 'negotiate' && $_->{error} }
                               auth_events($r, 'AUTH_HANDLER_CREATE_RESULT')),
                 'ERR_UNSUPPORTED_AUTH_SCHEME', "$s new profile: Negotiate unsupported until then");
        ok t_cmp(var($next, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', "$s new profile: signed in on the next page");
        ok t_cmp(prompts($next), 0, "$s new profile: with no prompt");
    }

    # Chromium asks for a ticket for the canonical name of the host
    # (DisableAuthNegotiateCnameLookup off, the default); here the test's
    # host mapping makes that the address, for which there is no SPN.
    $r = browser(%common, allowlist => '*.example.test', env => $ticket, visits => [
        { url => $u->('/krb/whoami', $www) },
    ]);
    my ($canon) = @{ $r->{visits} };
    t_debug("cname lookup: $r->{total_ms} ms");
    ok t_cmp((map { $_->{spn} } auth_events($r, 'AUTH_LIBRARY_IMPORT_NAME'))[0], 'HTTP@127.0.0.1',
             "$s CNAME lookup on: the SPN is built from the resolved name, not the URL's");
    ok t_cmp(refused($canon), 1, "$s CNAME lookup on: no page");

    # Policies without a command-line switch, set as an admin's policy sets
    # them (Local State prefs): AuthNegotiateDelegateAllowlist for
    # delegation; a dotted name in AuthServerAllowlist, with
    # DisableAuthNegotiateCnameLookup (the test maps www.example.test to an
    # address, which Chromium would otherwise take as the canonical name).
    $r = browser(%common, allowlist => "localhost,*.example.test", env => $ticket,
                 auth => { negotiate_delegate_whitelist => 'localhost',
                           disable_negotiate_cname_lookup => JSON::PP::true },
                 visits => [
        { url => $u->('/deleg/whoami'), screenshot => screenshot("$s-delegation") },
        { url => $u->('/krb/whoami', $www), screenshot => screenshot("$s-dotted_name") },
    ]);
    my ($delegated, $named) = @{ $r->{visits} };
    t_debug("policies: $r->{total_ms} ms");
    ok t_cmp(var($delegated, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', "$s delegation allowlist: signed in");
    ok t_cmp(var($delegated, 'CCACHE_PRINCIPAL'), 'alice@EXAMPLE.TEST',
             "$s delegation allowlist: the application holds alice's delegated ticket");
    ok t_cmp(prompts($delegated), 0, "$s delegation allowlist: no prompt");
    ok t_cmp(var($named, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', "$s $www in the allowlist: signed in");
    ok t_cmp(prompts($named), 0, "$s $www in the allowlist: no prompt");
    ok t_cmp((map { $_->{spn} } auth_events($r, 'AUTH_LIBRARY_IMPORT_NAME'))[1], "HTTP\@$www",
             "$s $www in the allowlist: for the service HTTP\@$www");
    shot_ok("$s-delegation", "$s delegation allowlist");
    shot_ok("$s-dotted_name", "$s $www in the allowlist");
}

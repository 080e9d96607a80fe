# One identity per person: the same REMOTE_USER, domain, SIDs and group
# answers whether alice came by Kerberos, NTLM or Basic; authorization by
# group and SID; delegation; Basic only on TLS; NegotiateRequireTLS.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use NegTest;

plan tests => 96;

my %pw = (alice => 'AlicePassw0rd!', bob => 'BobPassw0rd!', carol => 'CarolPassw0rd!');

sub var {
    my ($res, $name) = @_;
    return $res->{body} =~ /^\Q$name\E=(.*)$/m ? $1 : undef;
}

# A request as a user by one mechanism. Basic goes over TLS.
sub as {
    my ($mech, $user, $path, %o) = @_;
    return curl($path, ccache => kinit_user($user), %o) if $mech eq 'kerberos';
    return curl($path, args => ['--ntlm', '-u', "EXAMPLE\\$user:$pw{$user}"], %o)
        if $mech eq 'ntlm';
    return curl($path, tls => 1, args => ['-u', "EXAMPLE\\$user:$pw{$user}"], %o);
}

my %seen;
for my $mech (qw(kerberos ntlm basic)) {
    my $auth_type = { kerberos => 'Negotiate', ntlm => 'NTLM', basic => 'Basic' }->{$mech};

    my $r = as($mech, 'alice', '/down/whoami');
    ok t_cmp($r->{status}, 200, "$mech: 200");
    ok t_cmp(var($r, 'REMOTE_USER'), 'EXAMPLE\\alice', "$mech: down-level REMOTE_USER");
    ok t_cmp(var($r, 'AUTH_TYPE'), $auth_type, "$mech: AUTH_TYPE=$auth_type");
    ok t_cmp(var($r, 'NEGOTIATE_MECH'), $mech, "$mech: NEGOTIATE_MECH");
    ok t_cmp(var($r, 'NEGOTIATE_PRINCIPAL'), 'alice@EXAMPLE.TEST', "$mech: NEGOTIATE_PRINCIPAL");
    ok t_cmp(var($r, 'NEGOTIATE_DOMAIN'), 'EXAMPLE', "$mech: NEGOTIATE_DOMAIN");
    ok t_cmp(var($r, 'NEGOTIATE_USER_SID'), qr/^S-1-5-21-\d+-\d+-\d+-\d+$/, "$mech: NEGOTIATE_USER_SID");
    $seen{sid}{$mech} = var($r, 'NEGOTIATE_USER_SID');

    $r = as($mech, 'alice', '/groups/whoami');
    ok t_cmp(var($r, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', "$mech: upn REMOTE_USER");
    ok t_cmp(var($r, 'NEGOTIATE_GROUPS'), qr/(^|;)EXAMPLE\\WebAdmins(;|$)/, "$mech: NEGOTIATE_GROUPS has WebAdmins");
    ok t_cmp(var($r, 'NEGOTIATE_GROUPS'), qr/(^|;)EXAMPLE\\Domain Users(;|$)/, "$mech: and Domain Users");
    $seen{groups}{$mech} = var($r, 'NEGOTIATE_GROUPS');
    $seen{gsids}{$mech} = var($r, 'NEGOTIATE_GROUP_SIDS');
    $r = as($mech, 'carol', '/groups/whoami');
    ok t_cmp(var($r, 'NEGOTIATE_GROUPS'), qr/(^|;)EXAMPLE\\WebAdmins(;|$)/, "$mech: carol is in WebAdmins through the nested group");

    # authorization by group name, nested groups included; 403 otherwise
    ok t_cmp(as($mech, 'alice', '/admins/whoami')->{status}, 200, "$mech: alice in EXAMPLE\\WebAdmins");
    ok t_cmp(as($mech, 'carol', '/admins/whoami')->{status}, 200, "$mech: carol by nesting");
    my $mark = log_mark();
    $r = as($mech, 'bob', '/admins/whoami');
    ok t_cmp($r->{status}, 403, "$mech: bob outside: 403");
    ok t_cmp(log_since($mark), qr/NEG0703: bob\@EXAMPLE\.TEST is not a member of EXAMPLE\\\\WebAdmins/,
             "$mech: the log says who is not a member of what");
    ok t_cmp($r->{body}, qr/^(?!.*REMOTE_USER=)/s, "$mech: bob never reaches the application");
}

ok t_cmp($seen{sid}{ntlm}, $seen{sid}{kerberos}, 'NTLM and Kerberos give the same user SID');
ok t_cmp($seen{sid}{basic}, $seen{sid}{kerberos}, 'Basic and Kerberos give the same user SID');
ok t_cmp($seen{groups}{ntlm}, $seen{groups}{kerberos}, 'the same group names by NTLM and Kerberos');
ok t_cmp($seen{groups}{basic}, $seen{groups}{kerberos}, 'the same group names by Basic and Kerberos');
ok t_cmp($seen{gsids}{ntlm}, $seen{gsids}{kerberos}, 'the same group SIDs by NTLM and Kerberos');

# Require negotiate-sid inside RequireAny / RequireAll
for my $mech (qw(kerberos ntlm)) {
    ok t_cmp(as($mech, 'carol', '/sid/whoami')->{status}, 200, "$mech: RequireAny: carol by the WebAdmins SID");
    ok t_cmp(as($mech, 'bob', '/sid/whoami')->{status}, 403, "$mech: RequireAny: bob 403");
    ok t_cmp(as($mech, 'alice', '/all/whoami')->{status}, 200, "$mech: RequireAll: alice has both");
    ok t_cmp(as($mech, 'carol', '/all/whoami')->{status}, 403, "$mech: RequireAll: carol lacks alice's SID");
}

# Names in the directory's case, whatever the user typed.
{
    my $r = curl('/down/whoami', args => ['--ntlm', '-u', 'example\\ALICE:AlicePassw0rd!']);
    ok t_cmp(var($r, 'REMOTE_USER'), 'EXAMPLE\\alice', 'NTLM: typed example\\ALICE, published EXAMPLE\\alice');
    $r = curl('/down/whoami', ccache => kinit_user('ALICE'));
    ok t_cmp($r->{status}, 200, 'Kerberos as ALICE@EXAMPLE.TEST');
    ok t_cmp(var($r, 'REMOTE_USER'), 'EXAMPLE\\alice', 'Kerberos: kinit ALICE, published EXAMPLE\\alice');
    $r = curl('/down/whoami', tls => 1, args => ['-u', 'ALICE@example.test:AlicePassw0rd!']);
    ok t_cmp(var($r, 'REMOTE_USER'), 'EXAMPLE\\alice', 'Basic: ALICE@example.test, published EXAMPLE\\alice');
    $r = curl('/realmmap/whoami', ccache => kinit_user('alice'));
    ok t_cmp(var($r, 'REMOTE_USER'), 'EXAMPLE\\alice', 'the PAC wins over NegotiateRealmMap');
}

# Internal redirects reuse the first request's result (an NTLM AUTHENTICATE
# could not be verified twice).
for my $mech (qw(kerberos ntlm)) {
    my $r = as($mech, 'alice', '/krb/no-such-script');
    ok t_cmp(var($r, 'REDIRECT_STATUS'), 404, "$mech: ErrorDocument ran as an internal redirect");
    ok t_cmp(var($r, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', "$mech: and saw alice");
}

# Delegation: the application gets KRB5CCNAME with alice's forwarded TGT;
# the file is the request's and is gone afterwards.
{
    my $deleg = $ENV{NEGOTIATE_DELEG_DIR};
    my $r = curl('/deleg/whoami', ccache => kinit_user('alice'), args => ['--delegation', 'always']);
    ok t_cmp($r->{status}, 200, 'delegation: 200');
    ok t_cmp(var($r, 'KRB5CCNAME'), qr{^FILE:\Q$deleg\E/krb5cc_negotiate_\w+$}, 'KRB5CCNAME published');
    ok t_cmp(var($r, 'CCACHE_PRINCIPAL'), 'alice@EXAMPLE.TEST', 'it holds alice\'s credentials');
    # httpd clears the request pool just after the response: poll briefly
    my @left;
    for (1 .. 40) {
        opendir(my $d, $deleg) or die;
        @left = grep { !/^\./ } readdir $d;
        last unless @left;
        select(undef, undef, undef, 0.05);
    }
    ok t_cmp(scalar(@left), 0, 'the ccache is removed when the request ends');
    $r = curl('/deleg/whoami', ccache => kinit_user('alice'));
    ok t_cmp(var($r, 'KRB5CCNAME'), '', 'no delegation, no KRB5CCNAME');
    $r = curl('/krb/whoami', ccache => kinit_user('alice'), args => ['--delegation', 'always']);
    ok t_cmp(var($r, 'KRB5CCNAME'), '', 'off by default');
}

# Basic: offered and accepted on TLS only, unless allowed explicitly.
{
    my $r = curl('/down/whoami', tls => 1);
    ok t_cmp(join(',', www_auth($r)), 'Negotiate,NTLM,Basic realm="EXAMPLE intranet"',
             'TLS: Basic offered after the others, with AuthName');
    $r = curl('/down/whoami');
    ok t_cmp(join(',', www_auth($r)), 'Negotiate,NTLM', 'plain HTTP: Basic not offered');
    my $mark = log_mark();
    $r = curl('/down/whoami', args => ['-u', 'EXAMPLE\\alice:AlicePassw0rd!']);
    ok t_cmp($r->{status}, 401, 'plain HTTP: Basic refused');
    ok t_cmp(log_since($mark), qr/NEG0101: client used the authentication scheme 'Basic', which this location does not offer \(.*NegotiateBasic On \(but not on plain HTTP\)\)/,
             'with a log line');
    $r = curl('/basicplain/whoami');
    ok t_cmp(join(',', www_auth($r)), 'Negotiate,NTLM,Basic realm="plain"', 'NegotiateBasicAllowPlainHTTP On offers it');
    $r = curl('/basicplain/whoami', args => ['-u', 'EXAMPLE\\bob:BobPassw0rd!']);
    ok t_cmp(var($r, 'REMOTE_USER'), 'bob@EXAMPLE.TEST', 'and accepts it');
    $mark = log_mark();
    $r = curl('/down/whoami', tls => 1, args => ['-u', 'EXAMPLE\\alice:wrong']);
    ok t_cmp($r->{status}, 401, 'wrong Basic password: 401');
    ok t_cmp(log_since($mark), qr/NEG0502: Basic logon of EXAMPLE\\\\alice refused: refused by the domain NT_STATUS_WRONG_PASSWORD/,
             'with the domain\'s reason');
    # two requests on one HTTP/1.1 keep-alive connection: verified with the
    # domain once
    $mark = log_mark();
    $r = curl('/down/whoami', tls => 1, args => ['--http1.1', '-u', 'EXAMPLE\\alice:AlicePassw0rd!'],
              again => ['-u', 'EXAMPLE\\alice:AlicePassw0rd!']);
    ok t_cmp($r->{codes}, '200200', 'two Basic requests on one connection');
    my @verified = log_since($mark) =~ /NEG0503: /g;
    ok t_cmp(scalar(@verified), 1, 'the domain verified the password once');
    # over HTTP/2 nothing is bound to the connection: each stream is checked
    $mark = log_mark();
    $r = curl('/down/whoami', tls => 1, args => ['--http2', '-u', 'EXAMPLE\\alice:AlicePassw0rd!'],
              again => ['-u', 'EXAMPLE\\alice:AlicePassw0rd!']);
    ok t_cmp($r->{codes} . ($r->{all_headers} =~ m{^HTTP/2 200}m ? ' h2' : ''), '200200 h2',
             'two Basic requests on one HTTP/2 connection');
    @verified = log_since($mark) =~ /NEG0503: /g;
    ok t_cmp(scalar(@verified), 2, 'HTTP/2: the domain verified each request');
    # a different password on the same connection is verified again (and fails)
    $r = curl('/down/whoami', tls => 1, args => ['-u', 'EXAMPLE\\alice:AlicePassw0rd!'],
              again => ['-u', 'EXAMPLE\\alice:wrong']);
    ok t_cmp($r->{codes}, '200401', 'other credentials on the same connection are checked again');
}

# NegotiatePersistKerberos (IIS's authPersistNonNTLM): a later request on
# the connection without a token is still alice; off by default.
{
    my $r = curl('/persist/whoami', ccache => kinit_user('alice'), again => []);
    ok t_cmp($r->{codes}, '200200', 'NegotiatePersistKerberos On: second request without a token: 200');
    $r = curl('/krb/whoami', ccache => kinit_user('alice'), again => []);
    ok t_cmp($r->{codes}, '200401', 'default: the second request without a token gets 401');
    $r = curl('/persist/whoami', ccache => kinit_user('alice'), again => [], host => 'www.example.test');
    ok t_cmp($r->{codes}, '200200', 'NegotiatePersistKerberos for the second SPN too');
}

# NegotiateRequireTLS: every mechanism refused on plain HTTP.
{
    my $mark = log_mark();
    my $r = curl('/tlsonly/whoami', ccache => kinit_user('alice'));
    ok t_cmp($r->{status}, 403, 'NegotiateRequireTLS: plain HTTP 403');
    ok t_cmp(log_since($mark), qr/NEG0601: refused a plain-HTTP request: this location requires TLS/, 'with a log line');
    $r = curl('/tlsonly/whoami', tls => 1, ccache => kinit_user('alice'));
    ok t_cmp($r->{status}, 200, 'Kerberos over TLS: 200');
    ok t_cmp(var($r, 'REMOTE_USER'), 'alice@EXAMPLE.TEST', 'as alice');
}

# Bad directive values fail the configuration test (apachectl -t) with a
# message that says what is allowed.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use NegTest;

my $modules = $ENV{NEGOTIATE_HTTPD_MODULES};
my $httpd = Apache::Test::vars('httpd');
my $keytab = $ENV{NEGOTIATE_KEYTAB};

my @cases = (
    ['NegotiateProviders Negotiate Bogus',
     qr/NegotiateProviders: unknown provider 'Bogus'; allowed: Negotiate, NTLM, Negotiate:Kerberos/],
    ['NegotiateProviders NTLM NTLM', qr/NegotiateProviders: 'NTLM' is listed twice/],
    ['NegotiateProviders Negotiate Negotiate:Kerberos', qr/Negotiate and Negotiate:Kerberos exclude each other/],
    ['NegotiateUserFormat email', qr/NegotiateUserFormat: unknown format 'email'; allowed: upn, down-level, short/],
    ['NegotiateServicePrincipal any HTTP/localhost', qr/'any' cannot be combined with principal names/],
    ['NegotiateServicePrincipal "HTTP/a b"', qr/'HTTP\/a b' is not a service principal/],
    ['NegotiateServicePrincipal HTTP/x@', qr/empty realm/],
    ['NegotiateMaxTokenSize lots', qr/NegotiateMaxTokenSize: 'lots' is not allowed; give a number of bytes from 256 to 1048576/],
    ['NegotiateMaxTokenSize 10', qr/NegotiateMaxTokenSize: '10' is not allowed/],
    ['NegotiateKeytab /nonexistent/http.keytab', qr/NegotiateKeytab: \/nonexistent\/http\.keytab does not exist/],
    ['NegotiateKeytab MEMORY:x', qr/NegotiateKeytab: 'MEMORY:x' is not allowed: give a file path/],
);

my $dir = tempdir(CLEANUP => 1);

# A NegotiateDelegationDir that others may write to: another local user
# could plant or read delegated credentials there.
my $open_dir = "$dir/deleg-open";
mkdir $open_dir;
chmod 0777, $open_dir;
push @cases, ["NegotiateDelegationDir $open_dir",
              qr/NegotiateDelegationDir: \Q$open_dir\E is writable by its group or by everyone: delegated credentials must be private to the Apache user/];
my $group_dir = "$dir/deleg-group";
mkdir $group_dir;
chmod 0770, $group_dir;
push @cases, ["NegotiateDelegationDir $group_dir", qr/\Q$group_dir\E is writable by its group or by everyone/];
push @cases, ['NegotiateMachineAccounts maybe', qr/NegotiateMachineAccounts must be On or Off/];

plan tests => 2 * @cases + 10;

sub config_test {
    my ($directive, $outside) = @_;
    $outside //= '';
    my $conf = "$dir/httpd.conf";
    open(my $f, '>', $conf) or die;
    print $f <<"EOC";
ServerRoot $dir
ServerName localhost
PidFile $dir/httpd.pid
ErrorLog $dir/error_log
Listen 127.0.0.1:1
LoadModule mpm_event_module $modules/mod_mpm_event.so
LoadModule authn_core_module $modules/mod_authn_core.so
LoadModule authz_core_module $modules/mod_authz_core.so
LoadModule authz_user_module $modules/mod_authz_user.so
LoadModule auth_negotiate_module $ENV{NEGOTIATE_MODULE}
$outside
<Location /app/>
    AuthType Negotiate
    NegotiateKeytab $keytab
    $directive
    Require valid-user
</Location>
EOC
    close $f;
    my $out = `'$httpd' -t -f '$conf' 2>&1`;
    return ($? >> 8, $out);
}

for my $c (@cases) {
    my ($directive, $want) = @$c;
    my ($rc, $out) = config_test($directive);
    ok t_cmp($rc != 0 ? 1 : 0, 1, "'$directive' fails the config test");
    ok t_cmp($out, $want, "'$directive': message");
}

my ($rc, $out) = config_test('NegotiateProviders NTLM Negotiate:Kerberos');
ok t_cmp($rc, 0, 'a good configuration passes');
ok t_cmp($out, qr/Syntax OK/, 'Syntax OK');

# NegotiateUserFormat short with more than one realm in play: a warning
# when the configuration is checked (and when httpd starts), not an error.
($rc, $out) = config_test("NegotiateUserFormat short\n    NegotiateRealmMap OTHER.TEST OTHER");
ok t_cmp($rc, 0, 'short with two realms: still a valid configuration');
ok t_cmp($out, qr/NEG0011: NegotiateUserFormat short is used while more than one realm or domain is in play \(realms: EXAMPLE\.TEST OTHER\.TEST; winbind's domains: EXAMPLE\): users of the same name in different ones get the same REMOTE_USER/,
         'a warning names the realms and domains');
($rc, $out) = config_test('NegotiateUserFormat short');
ok t_cmp($out, qr/^(?!.*NEG0011)/s, 'short with one realm and one domain: no warning');
ok t_cmp($rc, 0, 'and passes');

# NTLM offered with httpd's keep-alive defaults: a warning (issue 15)
($rc, $out) = config_test('NegotiateProviders Negotiate NTLM', "MaxKeepAliveRequests 100\nKeepAliveTimeout 5");
ok t_cmp($out, qr/NEG0020: NTLM is offered on localhost(:\d+)? with MaxKeepAliveRequests 100 and KeepAliveTimeout 5: NTLM authenticates a connection/,
         'NTLM with MaxKeepAliveRequests 100 and KeepAliveTimeout 5: warned');
($rc, $out) = config_test('NegotiateProviders Negotiate NTLM', "KeepAlive Off");
ok t_cmp($out, qr/NEG0020: NTLM is offered on \S+ with KeepAlive Off/, 'KeepAlive Off: warned');
($rc, $out) = config_test('NegotiateProviders Negotiate NTLM', "MaxKeepAliveRequests 0\nKeepAliveTimeout 120");
ok t_cmp($out, qr/^(?!.*NEG0020)/s, 'MaxKeepAliveRequests 0, KeepAliveTimeout 120: no warning');
($rc, $out) = config_test('NegotiateProviders Negotiate:Kerberos', "MaxKeepAliveRequests 100\nKeepAliveTimeout 5");
ok t_cmp($out, qr/^(?!.*NEG0020)/s, 'Kerberos only: no warning');

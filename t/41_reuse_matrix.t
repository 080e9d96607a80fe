# Reuse of an identity, as a matrix (Security review 2): for each rule a
# location can set, an identity proved where the rule is laxer must not be
# reused where it is stricter, on any path an identity is reused by: the
# same connection, an internal redirect, a subrequest, a session cookie,
# and a session-authenticated request redirected. Each cell has a control
# (the same path into a location with the laxer rule: the identity IS
# carried), so that a path that carries nothing cannot pass for a refusal.
# The locations come from the ReuseRule macro in t/conf/extra.conf.in:
# /rm-RULE-lax/ and friends, /rm-RULE-strict/, /rm-RULE-stricts/.
#
# Also the two places of an identity a forward proxy holds (defect 7): a
# Proxy-Authorization logon is not a web identity, and a web logon is not
# a proxy one.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use NegTest;

my $krb = kinit_user('alice');
ensure_machine_account();
my $host_cc = t_dir() . "/tmp/hostilews-rm.$$.cc";
{
    open(my $k, '|-', "KRB5CCNAME=FILE:$host_cc kinit --password-file=STDIN 'HOSTILEWS\$\@EXAMPLE.TEST'") or die;
    print $k machine_password(), "\n";
    close $k;
}
END { unlink $host_cc if $host_cc }

# rule => [mechanisms, options, paths whose reuse the stricter rule refuses]
# (the other paths carry the identity: the rule is not about them).
my $all = [qw(conn redirect subreq session sessredir)];
my @rules = (
    [epaoa     => [qw(ntlm kerberos)], { tls => 1 }, $all],
    [epaor     => [qw(ntlm kerberos)], { tls => 1, cbt => 1 }, $all],
    [epaar     => [qw(ntlm kerberos)], { tls => 1 }, $all],
    [machine   => [qw(ntlm kerberos)], { user => 'HOSTILEWS$', password => machine_password(),
                                         ccache => $host_cc, name => 'HOSTILEWS$@EXAMPLE.TEST' }, $all],
    [ntlm      => [qw(ntlm)], {}, $all],
    [keytab    => [qw(kerberos)], {}, $all],
    [spn       => [qw(kerberos)], {}, $all],
    [persist   => [qw(kerberos)], {}, [qw(conn)]],
    [basic     => [qw(basic)], { skip => ['conn'] }, [qw(redirect subreq session sessredir)]],
    [sessbasic => [qw(basic)], { skip => ['conn'] }, [qw(session sessredir)]],
    [lifetime  => [qw(kerberos ntlm)], {}, [qw(session sessredir)]],
    [session   => [qw(kerberos ntlm)], {}, [qw(session sessredir)]],
    # made over plain HTTP, used over TLS (only a cookie can change that)
    [reqtls    => [qw(kerberos ntlm)], { skip => [qw(conn redirect subreq)], newtls => 1 },
     [qw(session sessredir)]],
);

my $n = 0;
for my $r (@rules) {
    my %skip = map { $_ => 1 } @{ $r->[2]{skip} || [] };
    $n += 2 * scalar(@{ $r->[1] }) * scalar(grep { !$skip{$_} } @$all);
}
plan tests => $n + 8;

sub probe {
    my (%o) = @_;
    my @cmd = ('/usr/bin/python3', t_dir() . '/client/reuse_probe.py',
               '--port', $o{tls} ? tls_port() : ($o{port} // port()),
               '--tls-port', tls_port(), '--mech', $o{mech}, '--logon', $o{logon});
    push @cmd, '--tls' if $o{tls};
    push @cmd, '--cbt' if $o{cbt};
    push @cmd, '--proxy-logon' if $o{proxy_logon};
    push @cmd, '--user', $o{user}, '--password', $o{password} if $o{user};
    push @cmd, map { ('--then', $_) } @{ $o{then} || [] };
    local $ENV{KRB5CCNAME} = 'FILE:' . ($o{ccache} // $krb);
    local $ENV{OPENSSL_CONF} = t_dir() . '/client/openssl-legacy.cnf';
    return NegClient::run_client(@cmd);
}

# Each path: [how, the result of the control, the result into strict].
sub path_results {
    my ($rule, $path, %o) = @_;
    my $p = "/rm-$rule";
    my $new = $o{newtls} ? 'newtls' : 'new';
    if ($path eq 'conn') {
        my $r = probe(%o, logon => "$p-lax/whoami", then => ["same:$p-lax/whoami", "same:$p-strict/whoami"]);
        return ($r->{step1}, $r->{step2}, $r);
    }
    if ($path eq 'redirect') {
        my $c = probe(%o, logon => "$p-laxrc/none");
        my $s = probe(%o, logon => "$p-laxr/none");
        return ($c->{logon}, $s->{logon}, $s);
    }
    if ($path eq 'subreq') {
        my $c = probe(%o, logon => "$p-laxi/page.shtml?control");
        my $s = probe(%o, logon => "$p-laxi/page.shtml");
        return ($c->{logon}, $s->{logon}, $s);
    }
    if ($path eq 'session') {
        my $r = probe(%o, logon => "$p-laxs/whoami", then => ["$new:$p-laxs/whoami", "$new:$p-stricts/whoami"]);
        return ($r->{step1}, $r->{step2}, $r);
    }
    my $r = probe(%o, logon => "$p-laxs/whoami", then => ["$new:$p-laxsrc/none", "$new:$p-laxsr/none"]);
    return ($r->{step1}, $r->{step2}, $r);
}

for my $r (@rules) {
    my ($rule, $mechs, $opts, $refused) = @$r;
    my %refuse = map { $_ => 1 } @$refused;
    my %skip = map { $_ => 1 } @{ $opts->{skip} || [] };
    my $who = $opts->{name} // 'alice@EXAMPLE.TEST';
    for my $mech (@$mechs) {
        my %o = (mech => $mech, tls => $opts->{tls}, cbt => $opts->{cbt},
                 newtls => $opts->{newtls});
        if ($opts->{user}) {
            %o = (%o, $mech eq 'kerberos' ? (ccache => $opts->{ccache})
                                          : (user => $opts->{user}, password => $opts->{password}));
        }
        for my $path (@$all) {
            next if $skip{$path};
            my ($control, $strict, $raw) = path_results($rule, $path, %o);
            my ($cs, $cu) = split /:/, $control // '', 2;
            my ($ss, $su) = split /:/, $strict // '', 2;
            ok t_cmp($cu, $who, "$rule, $mech, $path: carried where the rule is the same ($control)");
            if ($refuse{$path}) {
                ok t_cmp($su // '', '', "$rule, $mech, $path: not carried where it is stricter ($strict)");
            } else {
                ok t_cmp($su, $who, "$rule, $mech, $path: carried, the rule is not about this path ($strict)");
            }
        }
    }
}

# ---------------------------------------------------------------- proxy
# neg_proxy is a forward proxy (<Proxy *> with AuthType Negotiate) that
# also serves the server's own locations. A Proxy-Authorization logon
# (answering a 407) binds its identity to the connection only as the
# proxy's user; a request for a local location on that connection is not
# that user. And the other way round.
my $proxy_port = Apache::Test::config()->{vhosts}{neg_proxy}{port};
# a request the proxy forwards: another server's URL (the main server's)
my $far = 'http://127.0.0.1:' . port() . '/static.txt';
for my $mech (qw(ntlm)) {
    my $mark = log_mark();
    my $r = probe(mech => $mech, port => $proxy_port, proxy_logon => 1, logon => $far,
                  then => ['same:/krb/whoami', "proxy:$far"]);
    ok t_cmp($r->{logon}, '200:', "$mech proxy logon (Proxy-Authorization): forwarded");
    ok t_cmp($r->{step2}, '200:', "$mech: the next proxy request on the connection needs no new logon");
    ok t_cmp($r->{step1}, '401:', "$mech: a local location on that connection is not served as the proxy's user");
    ok t_cmp(log_since($mark), qr/NEG0108: the identity this connection proved \(alice\@EXAMPLE\.TEST by ntlm\) is not accepted here: it was proved to a proxy \(Proxy-Authorization, 407\), and this request is for this server/,
             "$mech: the log says why");

    $mark = log_mark();
    $r = probe(mech => $mech, port => $proxy_port, logon => '/krb/whoami',
               then => ["proxy:$far", 'same:/krb/whoami']);
    ok t_cmp($r->{logon}, '200:alice@EXAMPLE.TEST', "$mech web logon on the proxy's port");
    ok t_cmp($r->{step2}, '200:alice@EXAMPLE.TEST', "$mech: the connection stays that web user");
    ok t_cmp($r->{step1}, '407:', "$mech: a proxy request on that connection must authenticate to the proxy");
    ok t_cmp(log_since($mark), qr/NEG0108: the identity this connection proved \(alice\@EXAMPLE\.TEST by ntlm\) is not accepted here: it was proved to this server \(Authorization, 401\), and this request is for a proxy/,
             "$mech: the log says why");
}

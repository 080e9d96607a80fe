package AppTest;
# Clients for the application tests (t/root/8*_*.rt): real curl, Heimdal
# kinit, python3-gssapi and python3-requests-ntlm against a RootHttpd
# started from a conf/ sample.
use strict;
use warnings;
use Exporter 'import';
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/../lib";
use NegClient qw(%PASSWORD run_curl run_client);

our @EXPORT = qw(kinit_cc http var vars gss_client ntlm_requests);

my $ccdir = tempdir('neg-app-cc-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my %cc;

# A ticket-granting ticket for a user (Heimdal kinit), once per test file;
# returns the ccache path.
sub kinit_cc {
    my ($user) = @_;
    return $cc{$user} //= NegClient::kinit($user, "$ccdir/$user.cc");
}

# One request with curl. Options: krb => user (curl --negotiate with the
# user's ticket), ntlm => user (curl --ntlm), header => [...], h2 => 1
# (HTTP/2: prior knowledge without TLS, ALPN on an https URL, whose
# certificate is not checked), args => [...].
# Returns { status, version (1.1, 2), body, headers => [[name, value]...] }.
sub http {
    my ($url, %o) = @_;
    my @cmd = ('-w', '%{http_code} %{http_version}');
    push @cmd, '--negotiate', '-u', ':' if $o{krb};
    push @cmd, '--ntlm', '-u', "EXAMPLE\\$o{ntlm}:$PASSWORD{$o{ntlm}}" if $o{ntlm};
    my $tls = $url =~ m{^https://};
    push @cmd, '-k' if $tls;
    push @cmd, $tls ? '--http2' : '--http2-prior-knowledge' if $o{h2};
    push @cmd, map { ('-H', $_) } @{ $o{header} || [] };
    push @cmd, @{ $o{args} || [] }, $url;
    local $ENV{KRB5CCNAME} = $o{krb} ? 'FILE:' . kinit_cc($o{krb}) : 'FILE:/nonexistent';
    my $r = run_curl(@cmd);
    my ($status, $version) = $r->{out} =~ /^(\d+) (\S+)/ ? ($1 + 0, $2) : (0, '');
    return { %$r, status => $status, version => $version };
}

# NAME=value lines of a body: var($res, 'REMOTE_USER'), or all as a hash.
sub vars {
    my ($res) = @_;
    my %v;
    for (split /\n/, $res->{body}) { $v{$1} = $2 if /^(\w+)=(.*)$/ }
    return \%v;
}

sub var { vars($_[0])->{$_[1]} }

# python3-gssapi (t/client/gss_client.py): SPNEGO with mutual
# authentication as the user; status, remote_user, auth_type, mutual.
sub gss_client {
    my ($port, $path, $user) = @_;
    local $ENV{KRB5CCNAME} = 'FILE:' . kinit_cc($user);
    return run_client('/usr/bin/python3', "$ENV{NEGOTIATE_T_DIR}/client/gss_client.py",
                      '--port', $port, '--path', $path, '--mech', 'spnego');
}

# python3-requests-ntlm (t/client/ntlm_client.py --impl requests).
sub ntlm_requests {
    my ($port, $path, $user) = @_;
    my $t = $ENV{NEGOTIATE_T_DIR};
    local $ENV{KRB5CCNAME} = 'FILE:/nonexistent';
    local $ENV{OPENSSL_CONF} = "$t/client/openssl-legacy.cnf";
    return run_client('/usr/bin/python3', "$t/client/ntlm_client.py", '--impl', 'requests',
                      '--port', $port, '--path', $path, '--user', $user,
                      '--password', $PASSWORD{$user});
}

1;

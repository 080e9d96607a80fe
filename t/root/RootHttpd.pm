package RootHttpd;
# A throwaway httpd for the root-only tests, started as root with the
# given User/Group so that its workers have exactly those privileges.
# Options: port, user, group, extra (lines added to the standard
# configuration), modules (more names for t/httpd-conf.sh: headers, proxy,
# ...), mpm (event or prefork), conf (a sub that returns the whole
# configuration instead, given the object), no_start (the caller starts it,
# e.g. with try_start, which does not die when httpd refuses to start).
use strict;
use warnings;
use File::Temp qw(tempdir);
use Time::HiRes qw(time sleep);

sub new {
    my ($class, %o) = @_;
    my $self = bless { port => $o{port} || 18190, user => $o{user} || 'www-data',
                       group => $o{group} || 'negauth', extra => $o{extra} || '',
                       modules => $o{modules} || [], mpm => $o{mpm} || 'event',
                       conf_sub => $o{conf} }, $class;
    $self->{dir} = tempdir('neg-root-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    chmod 0755, $self->{dir};
    $self->start unless $o{no_start};
    return $self;
}

sub dir { $_[0]{dir} }

# The start of the configuration (t/httpd-conf.sh): server, user, the MPM,
# the common modules, mod_auth_negotiate and the modules named.
sub head {
    my ($self, @mods) = @_;
    my $d = $self->{dir};
    local $ENV{NEG_HTTPD_USER} = $self->{user};
    local $ENV{NEG_HTTPD_GROUP} = $self->{group};
    local $ENV{NEG_HTTPD_MPM} = $self->{mpm};
    my $head = `bash -c '. "\$0"; neg_httpd_conf "\$@"' '$ENV{NEGOTIATE_T_DIR}/httpd-conf.sh' '$d' 127.0.0.1:$self->{port} '$d/httpd.pid' '$d/error_log' '$ENV{NEGOTIATE_MODULE}' @mods`;
    die "t/httpd-conf.sh failed" if $? != 0 || $head eq '';
    # the tests look for the line of every refusal from 127.0.0.1; a test
    # of NegotiateLogLimit sets its own (a later directive wins). In an
    # <IfDirective> so that a test can run against an older module to
    # show it failing before a fix.
    # NegotiateFailureLimit likewise: the tests try wrong passwords often
    return $head . "<IfDirective NegotiateLogLimit>\nNegotiateLogLimit 0\n</IfDirective>\n"
        . "<IfDirective NegotiateFailureLimit>\nNegotiateFailureLimit 0\n</IfDirective>\n";
}

sub conf {
    my ($self) = @_;
    return $self->{conf_sub}->($self) if $self->{conf_sub};
    my $d = $self->{dir};
    my $t = $ENV{NEGOTIATE_T_DIR};
    return $self->head(qw(cgid), @{ $self->{modules} }) . <<"EOC";
LogLevel warn auth_negotiate:info
ScriptSock $d/cgid.sock
ScriptAlias /app/ $t/htdocs/cgi/
<Location /app/>
    AuthType Negotiate
    NegotiateKeytab $ENV{NEGOTIATE_KEYTAB}
    Require valid-user
</Location>
$self->{extra}
EOC
}

# The httpd binary: a wrapper under --enable-sanitizers or valgrind (set
# by t/integration.sh), which every apache2 command line must use, since
# each one loads the module.
sub httpd_bin { $ENV{NEGOTIATE_HTTPD} || '/usr/sbin/apache2' }

# Writes the configuration and starts httpd; true when it started (then
# it waits until the port answers).
sub try_start {
    my ($self) = @_;
    # the first start, as if an httpd had stopped cleanly with nothing
    # accepted (t/replay-state.pl); a test of another state file writes
    # its own with fresh_state, or none
    fresh_state("$self->{dir}/auth_negotiate_replay.state") unless $self->{started}++;
    open(my $f, '>', "$self->{dir}/httpd.conf") or die;
    print $f $self->conf;
    close $f;
    system(httpd_bin(), '-f', "$self->{dir}/httpd.conf", '-k', 'start') == 0 or return 0;
    for (1 .. 50) {
        last if system("curl -s -o /dev/null http://127.0.0.1:$self->{port}/") == 0;
        sleep 0.1;
    }
    return 1;
}

# A state file that says an httpd stopped cleanly with an empty cache.
sub fresh_state {
    my ($file) = @_;
    system('perl', "$ENV{NEGOTIATE_T_DIR}/replay-state.pl", $file) == 0
        or die "replay-state.pl $file failed";
}

# A farm's cache (redis or memcache on 127.0.0.1:port) as though the farm
# had used it for long: its epoch key (src/store/replay_remote.c) made long ago.
# A cache found without one (new, restarted or flushed) makes the farm
# refuse Kerberos authenticators that could predate it for one clock skew
# (NEG0817): a test of something else starts its new cache with this.
sub old_epoch {
    my ($kind, $port) = @_;
    require IO::Socket::INET;
    my $value = '0000000000000000:1';
    for (1 .. 50) {
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 1);
        if ($s) {
            print $s $kind eq 'redis' ? "SET neg-rc:epoch $value\r\n"
                                      : "set neg-rc:epoch 0 0 " . length($value) . "\r\n$value\r\n";
            my $got = <$s> // '';
            return if $got =~ /^(\+OK|STORED)/;
        }
        sleep 0.1;
    }
    die "cannot set the epoch of the $kind cache on port $port";
}

sub start {
    my ($self) = @_;
    $self->try_start or die "apache2 did not start: " . `cat $self->{dir}/error_log`;
}

sub stop {
    my ($self) = @_;
    return unless -f "$self->{dir}/httpd.pid";
    my $parent = 0;
    if (open(my $p, '<', "$self->{dir}/httpd.pid")) {
        $parent = (<$p> // 0) + 0;
        close $p;
    }
    # -k stop reads the configuration again: one httpd no longer accepts
    # (a check that depends on winbind) is stopped by its pid file
    if (system(httpd_bin(), '-f', "$self->{dir}/httpd.conf", '-k', 'stop') != 0) {
        kill 'TERM', $parent if $parent > 1;
    }
    # until the parent is gone (its last act saves the replay cache's
    # state; under ASan a stop can take several seconds): up to 30 s
    for (1 .. 300) {
        last unless -f "$self->{dir}/httpd.pid" || ($parent > 1 && kill(0, $parent));
        sleep 0.1;
    }
    # Sanitizer reports that reached the error log (it is removed with
    # the directory) go where t/integration.sh looks for them.
    if (my $reports = $ENV{NEGOTIATE_REPORTS}) {
        my @found = grep { /Sanitizer|runtime error:|^==\d+==/ }
                    split /\n/, $self->log_since(0);
        if (@found && open(my $r, '>', "$reports/root-error_log.$self->{port}")) {
            print $r "$_\n" for @found;
            close $r;
        }
    }
}

sub DESTROY { $_[0]->stop }

# A sample configuration of conf/ as shipped, with only the values of its
# `Define NAME value` lines replaced: sample_conf('app-php.conf', PHP_URL =>
# '/app'). Dies when the sample has no Define for a name given.
sub sample_conf {
    my ($name, %define) = @_;
    my $file = "$ENV{NEGOTIATE_T_DIR}/../conf/$name";
    open(my $f, '<', $file) or die "$file: $!";
    my $text = do { local $/; <$f> };
    close $f;
    for my $var (sort keys %define) {
        $text =~ s/^Define\s+\Q$var\E\s.*$/Define $var $define{$var}/m
            or die "$name has no Define $var";
    }
    return "# ---- conf/$name (Define values set by the test)\n$text";
}

sub url { "http://localhost:$_[0]{port}$_[1]" }

sub log_size { -s "$_[0]{dir}/error_log" || 0 }

sub log_since {
    my ($self, $mark) = @_;
    open(my $f, '<', "$self->{dir}/error_log") or return '';
    seek($f, $mark, 0);
    local $/;
    return <$f> // '';
}

# curl --ntlm as a user; returns (status, seconds, body)
sub ntlm {
    my ($self, $path, $cred) = @_;
    my $t0 = time;
    my $out = `curl -s --max-time 30 --ntlm -u '$cred' -w '\\n%{http_code}' '${\ $self->url($path)}'`;
    my $took = time - $t0;
    my ($body, $code) = $out =~ /^(.*)\n(\d+)$/s;
    return ($code // 0, $took, $body // '');
}

# A Kerberos ticket-granting ticket for USER (Heimdal kinit) in a new
# ccache under the httpd's directory; returns its path, undef on failure.
sub kinit {
    my ($self, $user, $pw) = @_;
    my $cc = "$self->{dir}/krb5cc_$user";
    open(my $k, '|-', "KRB5CCNAME=FILE:$cc kinit --password-file=STDIN $user\@EXAMPLE.TEST")
        or return undef;
    print $k "$pw\n";
    close($k) or return undef;
    return $cc;
}

# curl --negotiate with the ticket in CCACHE; returns (status, body)
sub negotiate {
    my ($self, $path, $cc) = @_;
    my $out = `KRB5CCNAME=FILE:$cc curl -s --max-time 30 --negotiate -u : -w '\\n%{http_code}' '${\ $self->url($path)}'`;
    my ($body, $code) = $out =~ /^(.*)\n(\d+)$/s;
    return ($code // 0, $body // '');
}

1;

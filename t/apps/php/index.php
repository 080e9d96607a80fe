<?php
// What a PHP application sees behind mod_auth_negotiate: the front
// controller of conf/app-php.conf (every URL that is not a file lands here)
// and its error page. NAME=value lines, one per variable.
header('Content-Type: text/plain; charset=utf-8');
$names = ['REMOTE_USER', 'AUTH_TYPE', 'NEGOTIATE_MECH', 'NEGOTIATE_PRINCIPAL',
          'NEGOTIATE_DOMAIN', 'NEGOTIATE_USER_SID', 'NEGOTIATE_GROUP_SIDS',
          'NEGOTIATE_GROUPS', 'KRB5CCNAME', 'REDIRECT_STATUS', 'REDIRECT_URL',
          'REDIRECT_NEGOTIATE_MECH', 'REQUEST_URI', 'SCRIPT_NAME'];
foreach ($names as $n) {
    printf("%s=%s\n", $n, $_SERVER[$n] ?? '');
}
printf("PHP_SAPI=%s\n", PHP_SAPI);

#!/usr/bin/python3
"""Run a command with a terminal of its own (a new pty: its standard input
and controlling terminal) and answer its prompts as a user would, its
standard output and error going to a pipe, as `COMMAND > report` typed at
a terminal (t/root/91_doctor.rt: the doctor's password prompts, which must
not echo). Prints the command's output, then "on_tty.py: the terminal
showed:" and what the terminal showed; exits with the command's status.

usage: on_tty.py PROMPT ANSWER [PROMPT ANSWER ...] -- COMMAND [ARG ...]

Each PROMPT (a regular expression) is waited for on the terminal in turn,
up to 30 s after the previous answer was typed; its ANSWER is then typed
with a newline. A prompt that never comes (or no end after 300 s): the
command is killed, exit 124.
"""
import fcntl
import os
import re
import select
import subprocess
import sys
import termios
import time


def take_terminal():
    """In the child, a session leader: the pty (its stdin) becomes its
    controlling terminal."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def main():
    argv = sys.argv[1:]
    if '--' not in argv:
        sys.exit(__doc__)
    cut = argv.index('--')
    pairs, cmd = argv[:cut], argv[cut + 1:]
    if len(pairs) % 2 or not cmd:
        sys.exit(__doc__)
    prompts = [(re.compile(pairs[i]), pairs[i + 1]) for i in range(0, len(pairs), 2)]

    master, slave = os.openpty()
    child = subprocess.Popen(cmd, stdin=slave, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True,
                             preexec_fn=take_terminal)
    os.close(slave)
    out = child.stdout.fileno()
    shown, output, start = b'', b'', 0
    deadline, end = time.time() + 30, time.time() + 300
    open_fds = {master, out}
    while out in open_fds:
        if (prompts and time.time() > deadline) or time.time() > end:
            child.kill()
            child.wait()
            sys.stdout.write(output.decode('utf-8', 'replace'))
            print('on_tty.py: ' + ('no prompt matching %r' % prompts[0][0].pattern
                                   if prompts else 'no end after 300 s'))
            print('on_tty.py: the terminal showed:\n' + shown.decode('utf-8', 'replace'))
            sys.exit(124)
        ready, _, _ = select.select(list(open_fds), [], [], 0.5)
        for fd in ready:
            try:
                data = os.read(fd, 4096)
            except OSError:             # EIO: no one has the terminal open
                data = b''
            if not data:
                open_fds.discard(fd)
            elif fd == master:
                shown += data
            else:
                output += data
        if prompts and prompts[0][0].search(shown[start:].decode('utf-8', 'replace')):
            os.write(master, prompts[0][1].encode() + b'\n')
            start = len(shown)
            prompts.pop(0)
            deadline = time.time() + 30
    status = child.wait()
    while master in open_fds and select.select([master], [], [], 0.2)[0]:
        try:
            data = os.read(master, 4096)
        except OSError:
            data = b''
        if not data:
            break
        shown += data
    sys.stdout.write(output.decode('utf-8', 'replace'))
    print('on_tty.py: the terminal showed:\n'
          + shown.decode('utf-8', 'replace').replace('\r\n', '\n'))
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == '__main__':
    main()

# -*- coding: utf-8 -*-
"""Runs a Hotvisor host's ``hvctl --json`` for the hotvisor.fleet modules.

hvctl prints its result as JSON on standard output and, when it fails, one line on standard
error: ``hvctl: error CODE: message`` when the host refused (or ``hvctl: error: message`` for a
problem hvctl found itself), with the exit status saying what kind of failure it was:
0 ok, 1 refused or failed, 2 busy or timed out (retry), 3 no host at the socket, 64 usage error.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import re
import subprocess
import time

# Where the distribution is usually unpacked; searched after PATH.
DEFAULT_OPT_DIRS = ['/opt/hotvisor/bin']

# A failure line: "hvctl: error CODE: message" or "hvctl: error: message".
_ERROR_LINE = re.compile(r'^hvctl: error(?: ([A-Z][A-Z0-9_]*))?: (.*)$')

# hvctl's exit statuses, named for failures whose line carries no code of the host's.
EXIT_NAMES = {1: 'FAILED', 2: 'BUSY', 3: 'NO_HOST', 64: 'USAGE'}

# Refusals after which the host changed nothing and the same request may go through later.
RETRYABLE = frozenset(['BUSY', 'TIMEOUT'])

# The options every hotvisor.fleet module takes to reach hvctl and the host.
HVCTL_ARGUMENT_SPEC = dict(
    hvctl=dict(type='path'),
    socket=dict(type='path'),
)

# The options of the modules that change the host: how a BUSY or TIMEOUT refusal is retried.
RETRY_ARGUMENT_SPEC = dict(
    retries=dict(type='int', default=2),
    retry_delay=dict(type='float', default=2.0),
)


class HvctlError(Exception):
    """hvctl failed: the host's error code (or one named for the exit status) and its message."""

    def __init__(self, cmd, rc, code, message, stdout, stderr):
        super(HvctlError, self).__init__('%s: %s' % (code, message))
        self.cmd = cmd
        self.rc = rc
        self.code = code
        self.message = message
        self.stdout = stdout
        self.stderr = stderr

    def describe(self, what):
        return '%s failed (hvctl exit %d): %s: %s' % (what, self.rc, self.code, self.message)

    def fail(self, module, what, hint='', **extra):
        """Ends the module with fail_json: what failed, the code and message (and a hint), the command and its output."""
        module.fail_json(msg=self.describe(what) + hint, error_code=self.code, error=self.message, rc=self.rc,
                         cmd=self.cmd, stdout=self.stdout, stderr=self.stderr, **extra)


class Hvctl(object):
    """One host's hvctl: its path, the socket it is told to use, and the retry policy for BUSY/TIMEOUT."""

    def __init__(self, module):
        self.module = module
        params = module.params
        path = params.get('hvctl')
        if path:
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                module.fail_json(msg='hvctl %s is not an executable file; set the hvctl option to the '
                                     'distribution\'s bin/hvctl' % path, error_code='NO_HVCTL')
            self.path = path
        else:
            self.path = module.get_bin_path('hvctl', required=False, opt_dirs=DEFAULT_OPT_DIRS)
            if not self.path:
                module.fail_json(msg='hvctl was not found on PATH nor in %s; set the hvctl option to the '
                                     'distribution\'s bin/hvctl' % ', '.join(DEFAULT_OPT_DIRS), error_code='NO_HVCTL')
        self.socket = params.get('socket')
        self.retries = max(0, params.get('retries') or 0)
        self.retry_delay = max(0.0, params.get('retry_delay') or 0.0)

    def command(self, args):
        cmd = [self.path]
        if self.socket:
            cmd += ['--socket', self.socket]
        return cmd + ['--json'] + list(args)

    def run(self, args, retry=False):
        """Runs hvctl --json ARGS and returns its parsed JSON; raises HvctlError when it fails.

        With retry, a BUSY or TIMEOUT refusal (nothing was changed) is tried again up to
        ``retries`` times, ``retry_delay`` seconds apart.
        """
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(attempts):
            try:
                return self._once(args)
            except HvctlError as e:
                if e.code not in RETRYABLE or attempt + 1 == attempts:
                    raise
                time.sleep(self.retry_delay)
        raise AssertionError('unreachable')

    def read_all(self, requests):
        """Runs several reads (hvctl --json ARGS each) at once and returns their parsed JSON in order.

        Each hvctl is a JVM that takes about a second to start; reads do not depend on each other, so
        they start together. Raises the HvctlError of the first one that failed.
        """
        env = dict(os.environ, LC_ALL='C')
        procs = []
        with open(os.devnull, 'rb') as devnull:
            for args in requests:
                cmd = self.command(args)
                try:
                    procs.append((cmd, subprocess.Popen(cmd, stdin=devnull, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)))
                except OSError as e:
                    for _, started in procs:
                        started.kill()
                        started.wait()
                    raise HvctlError(cmd, 127, 'NO_HVCTL', 'cannot run %s: %s' % (cmd[0], e), '', '')
        results, failure = [], None
        for cmd, p in procs:
            out, err = p.communicate()
            try:
                results.append(_result(cmd, p.returncode, out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace')))
            except HvctlError as e:
                failure = failure or e
        if failure:
            raise failure
        return results

    def _once(self, args):
        cmd = self.command(args)
        rc, out, err = self.module.run_command(cmd, environ_update={'LC_ALL': 'C'})
        return _result(cmd, rc, out, err)


def _result(cmd, rc, out, err):
    """hvctl's parsed JSON, or the HvctlError its failure line and exit status describe."""
    if rc != 0:
        code, message = parse_error(err, rc)
        raise HvctlError(cmd, rc, code, message, out, err)
    try:
        return json.loads(out) if out.strip() else {}
    except ValueError as e:
        raise HvctlError(cmd, rc, 'BAD_OUTPUT', 'hvctl printed no JSON (%s): %s' % (e, out[:500]), out, err)


def parse_error(stderr, rc):
    """The host's error code and message from hvctl's failure line; a code named for the exit status if it has none."""
    lines = [l.strip() for l in (stderr or '').splitlines() if l.strip()]
    for line in lines:
        m = _ERROR_LINE.match(line)
        if m:
            return m.group(1) or EXIT_NAMES.get(rc, 'FAILED'), m.group(2)
    message = lines[-1] if lines else 'hvctl exited with status %d and printed no error' % rc
    return EXIT_NAMES.get(rc, 'FAILED'), message


def hex_int(text):
    """A revision or mask as hvctl prints it ("0xb8", "0x00bc") as an int; None when absent."""
    if text is None or text == '':
        return None
    return int(str(text), 16)

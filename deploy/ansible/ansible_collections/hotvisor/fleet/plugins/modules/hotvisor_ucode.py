#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: hotvisor_ucode
short_description: Late-load CPU microcode into a running Hotvisor host
description:
  - Loads an Intel or AMD microcode file (or the file of a firmware directory that Linux would
    read for the host's CPUs) into a running Hotvisor host with C(hvctl ucode FILE|DIR --json),
    under the host's late-load rules, in one rendezvous of its pCPUs.
  - Idempotent - compares the revision the host reports for each pCPU (C(hvctl ucode --status --json))
    with the newest update in I(src) for those CPUs (C(hvctl ucode --list --json), which reads the
    file locally); loads only when a pCPU runs an older revision. A host that still answers
    C(NOT_NEWER) changed nothing and the module reports no change.
  - On failure the result carries the host's error code (for example C(NO_MATCH), C(BAD_FILE),
    C(MIN_REV), C(TIMEOUT)) and its message, as hvctl reported them.
  - A load taints the host C(ucode-late) (and C(forced) with I(force)), and is journaled and
    re-applied when the host restarts.
version_added: "0.1.0"
options:
  src:
    description:
      - Microcode file, or a directory laid out like C(/lib/firmware/intel-ucode) or C(amd-ucode),
        on the managed host.
    type: path
    required: true
  force:
    description:
      - Xen's force (C(hvctl ucode --force)) - load even when the update is the same as or older than the
        running revision. The module then loads unless every pCPU already runs the file's revision.
        Taints the host C(forced).
    type: bool
    default: false
  timeout:
    description:
      - How long the pCPUs get to reach the rendezvous, in milliseconds (hvctl's C(--timeout), 1 to 3600000).
      - The host's default (30 ms, as Xen) applies when unset.
    type: int
notes:
  - Check mode reads the host's revisions and I(src) and reports whether a load would change them; it loads nothing.
extends_documentation_fragment:
  - hotvisor.fleet.hvctl
  - hotvisor.fleet.hvctl.retry
author:
  - Hotvisor maintainers
'''

EXAMPLES = r'''
- name: Bring every host's microcode up to Debian's intel-microcode
  hotvisor.fleet.hotvisor_ucode:
    src: /lib/firmware/intel-ucode
    timeout: 1000

- name: Load one file on a host whose socket is not the default
  hotvisor.fleet.hotvisor_ucode:
    src: /var/tmp/hotvisor/06-8c-01
    socket: /srv/hotvisor/state/control.sock
'''

RETURN = r'''
revision_before:
  description: The revisions the pCPUs ran before, distinct and in CPU order (usually one).
  returned: always
  type: list
  elements: str
  sample: ["0xb8"]
revision:
  description: The revisions the pCPUs run after the module (before it, in check mode), distinct and in CPU order.
  returned: always
  type: list
  elements: str
  sample: ["0xbc"]
file_revision:
  description: The newest revision in I(src) for the host's CPUs, or null when none of its updates is for them.
  returned: always
  type: str
  sample: "0xbc"
file:
  description: The file of I(src) that holds that update (I(src) itself, or the file of the directory Linux would read).
  returned: when an update for the host's CPUs was found
  type: str
lines:
  description: The host's report of the load, as C(hvctl ucode) prints it.
  returned: when a load ran
  type: list
  elements: str
cores:
  description: Each core's outcome (status, oldRevision, newRevision) from the host.
  returned: when a load ran
  type: list
  elements: dict
msg:
  description: Why nothing was loaded, when nothing was.
  returned: when unchanged
  type: str
error_code:
  description:
    - On failure, the host's error code from hvctl (C(NO_MATCH), C(BAD_FILE), C(TRUNCATED), C(MIN_REV),
      C(TIMEOUT), ...), or one named for hvctl's exit status when it gave none (C(BUSY) 2, C(NO_HOST) 3,
      C(USAGE) 64).
  returned: failed
  type: str
error:
  description: On failure, the host's message.
  returned: failed
  type: str
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hotvisor.fleet.plugins.module_utils.hvctl import (
    HVCTL_ARGUMENT_SPEC, RETRY_ARGUMENT_SPEC, Hvctl, HvctlError, hex_int)


def linux_name(cpu):
    """The firmware file name Linux's late loader requests for this CPU (intel-ucode/FF-MM-SS, amd-ucode/...)."""
    if cpu.get('vendor') == 'amd':
        family = cpu.get('family') or 0
        return 'microcode_amd.bin' if family < 0x15 else 'microcode_amd_fam%02xh.bin' % family
    return cpu.get('fms')


def intel_revisions(f, cpu):
    """Revisions of the Intel updates of file listing f for cpu: same signature, platform in the mask (as Linux matches)."""
    sig = hex_int(cpu.get('signature'))
    pf = hex_int(cpu.get('pfMask')) or 0
    found = []
    for u in f.get('updates') or []:
        candidates = [(u.get('signature'), u.get('pfMask'))]
        candidates += [(x.get('signature'), x.get('pfMask')) for x in u.get('extendedSignatures') or []]
        for s, m in candidates:
            mask = hex_int(m) or 0
            if hex_int(s) == sig and ((mask & pf) or (mask == 0 and pf == 0)):
                found.append(hex_int(u.get('revision')))
                break
    return found


def amd_revisions(f, cpu):
    """Revisions (patch ids) of the AMD patches of file listing f for cpu, through each container's equivalence table."""
    sig = hex_int(cpu.get('signature'))
    found = []
    for c in f.get('containers') or []:
        equiv = set(hex_int(e.get('equivCpu')) for e in c.get('equivalenceTable') or [] if hex_int(e.get('installedCpu')) == sig)
        for p in c.get('patches') or []:
            if hex_int(p.get('processorRevId')) in equiv:
                found.append(hex_int(p.get('patchId')))
    return found


def offered(listing, cpus, src_is_dir):
    """The newest revision src holds for every pCPU's identity, and the file it is in; (None, None) when none matches."""
    best, where = None, None
    for cpu in cpus:
        for f in listing.get('files') or []:
            if f.get('vendor') != cpu.get('vendor'):
                continue
            if src_is_dir and os.path.basename(f.get('path') or '') != linux_name(cpu):
                continue
            revs = intel_revisions(f, cpu) if cpu.get('vendor') == 'intel' else amd_revisions(f, cpu)
            for r in revs:
                if best is None or r > best:
                    best, where = r, f.get('path')
    return best, where


def distinct(revs):
    out = []
    for r in revs:
        h = '0x%x' % r
        if h not in out:
            out.append(h)
    return out


def main():
    spec = dict(
        src=dict(type='path', required=True),
        force=dict(type='bool', default=False),
        timeout=dict(type='int'),
    )
    spec.update(HVCTL_ARGUMENT_SPEC)
    spec.update(RETRY_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    src = module.params['src']
    force = module.params['force']
    timeout = module.params['timeout']
    if timeout is not None and not 1 <= timeout <= 3600000:
        module.fail_json(msg='timeout must be 1 .. 3600000 ms, got %d' % timeout, error_code='USAGE')
    if not os.path.exists(src):
        module.fail_json(msg='src %s: no such file or directory' % src, error_code='BAD_SRC')

    hvctl = Hvctl(module)
    result = dict(changed=False)
    try:
        cpus = hvctl.run(['ucode', '--status']).get('cpus') or []
    except HvctlError as e:
        e.fail(module, 'hvctl ucode --status', **result)
    if not cpus:
        module.fail_json(msg='hvctl ucode --status reported no pCPUs', error_code='BAD_OUTPUT', **result)
    before = [hex_int(c.get('revision')) for c in cpus]
    result['revision_before'] = distinct(before)
    result['revision'] = distinct(before)

    try:
        listing = hvctl.run(['ucode', '--list', src])
    except HvctlError as e:
        e.fail(module, 'hvctl ucode --list %s' % src, **result)
    target, where = offered(listing, cpus, os.path.isdir(src))
    result['file_revision'] = None if target is None else '0x%x' % target
    if where:
        result['file'] = where

    if target is not None:
        if force:
            needed = any(r != target for r in before)
        else:
            needed = any(r < target for r in before)
        if not needed:
            result['msg'] = 'every pCPU already runs revision %s%s; nothing to load' % (
                ', '.join(result['revision_before']), '' if force else ' (file has 0x%x)' % target)
            module.exit_json(**result)
    elif module.check_mode:
        # The host would refuse it; say so with the code it would give.
        ids = ', '.join(sorted(set('%s %s' % (c.get('vendor'), c.get('fms')) for c in cpus)))
        module.fail_json(msg='no microcode in %s is for this host\'s CPUs (%s); a load would be refused' % (src, ids),
                         error_code='NO_MATCH', **result)
    # No update recognised here: the host's own matching decides, and its refusal is reported.

    result['changed'] = True
    if module.check_mode:
        result['revision'] = distinct([target] * len(before)) if target is not None else result['revision']
        module.exit_json(**result)

    args = ['ucode', src]
    if force:
        args.append('--force')
    if timeout is not None:
        args += ['--timeout', str(timeout)]
    try:
        r = hvctl.run(args, retry=True)
    except HvctlError as e:
        result['changed'] = False
        if e.code == 'NOT_NEWER' and not force:
            result['msg'] = 'the host loaded nothing: %s' % e.message
            module.exit_json(**result)
        e.fail(module, 'hvctl ucode %s' % src, **result)
    result['lines'] = r.get('lines') or []
    result['cores'] = r.get('cores') or []
    result['forced'] = bool(r.get('forced'))
    try:
        after = [hex_int(c.get('revision')) for c in hvctl.run(['ucode', '--status']).get('cpus') or []]
        result['revision'] = distinct(after)
    except HvctlError as e:
        result['revision'] = []
        result['status_error'] = e.describe('hvctl ucode --status')
    module.exit_json(**result)


if __name__ == '__main__':
    main()

#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: hotvisor_livepatch
short_description: Upload, apply, revert or remove a live patch on a running Hotvisor host
description:
  - Brings one live-patch payload on a Hotvisor host to the wanted state through the host's
    C(hvctl --json) - C(livepatch list), C(upload), C(apply), C(revert) and C(unload).
  - Reads C(hvctl livepatch list --json) first and acts only when the payload is not already in
    the wanted state, so a second run changes nothing.
  - A payload already on the host under I(name) is compared with I(src) by payload build-id (read
    from the payload's C(patch.json)); a different build under the same name is refused rather
    than replaced.
  - On failure the result carries the host's error code (for example C(NOT_FOUND), C(BAD_PAYLOAD),
    C(APPLY_FAILED), C(TIMEOUT)) and its message, as hvctl reported them.
  - The health watch that follows an apply on the host may still revert the payload after this
    module returns; verify afterwards (the collection's C(rollout.yml) playbook waits for it).
version_added: "0.1.0"
options:
  name:
    description:
      - The payload's name on the host (the name it is uploaded under).
    type: str
    required: true
  src:
    description:
      - Path of the payload file (C(.hvp)) on the managed host.
      - Needed for I(state=uploaded) and I(state=applied) when the payload is not yet on the host;
        when given and the payload is on the host, its build-id must match.
    type: path
  state:
    description:
      - C(uploaded) - on the host and verified (C(CHECKED)); an applied payload stays applied.
      - C(applied) - uploaded if needed, then applied (C(APPLIED)).
      - C(reverted) - not applied; reverted if it is applied (only the top of the host's applied
        stack can be reverted), nothing to do if it is only uploaded or not on the host.
      - C(absent) - not on the host; reverted if applied, then unloaded.
    type: str
    choices: [uploaded, applied, reverted, absent]
    default: applied
  timeout:
    description:
      - Rendezvous timeout of an apply or revert, in milliseconds (hvctl's C(--timeout), 1 to 3600000).
      - The host's default (30 ms, as Xen) applies when unset.
    type: int
notes:
  - Check mode reads the host and I(src) and reports what would change; it sends no action.
  - Diff mode shows the payload's state before and after.
  - The user running the module must be the host's user or root (the socket is C(0600)).
extends_documentation_fragment:
  - hotvisor.fleet.hvctl
  - hotvisor.fleet.hvctl.retry
author:
  - Hotvisor maintainers
'''

EXAMPLES = r'''
- name: Apply the scheduler fix on a host with the distribution in /opt/hotvisor
  hotvisor.fleet.hotvisor_livepatch:
    name: sched-fix
    src: /var/tmp/hotvisor/sched-fix.hvp
    state: applied
    timeout: 1000

- name: Only upload (verify) it, to apply later
  hotvisor.fleet.hotvisor_livepatch:
    name: sched-fix
    src: /var/tmp/hotvisor/sched-fix.hvp
    state: uploaded
    socket: /srv/hotvisor/state/control.sock

- name: Take it back
  hotvisor.fleet.hotvisor_livepatch:
    name: sched-fix
    state: reverted

- name: Remove it from the host entirely
  hotvisor.fleet.hotvisor_livepatch:
    name: sched-fix
    state: absent
'''

RETURN = r'''
name:
  description: The payload's name.
  returned: always
  type: str
  sample: sched-fix
state:
  description:
    - The payload's state on the host after the module (predicted in check mode)
    - C(CHECKED) (uploaded, not applied), C(APPLIED), or C(absent).
  returned: always
  type: str
  sample: APPLIED
build_id:
  description: The payload build-id (64 hex digits) of the payload on the host, or of I(src).
  returned: when known
  type: str
  sample: 6fadeac514b4af24b2b01b62428dfcef31b82080bdc8bc2c588932d4d5a4a6f6
last_error:
  description: The host's last error for this payload (for example C(HEALTH - reverted automatically ...)), if any.
  returned: always
  type: str
applied_at:
  description: When the host applied it (ISO-8601), if it is applied.
  returned: always
  type: str
actions:
  description: The hvctl livepatch actions the module ran (or would run, in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: [upload, apply]
summaries:
  description: The host's one-line summary of each action (guest pause, classes changed).
  returned: when an action ran
  type: list
  elements: str
payload:
  description: The payload's entry of C(hvctl livepatch list --json) after the module (not in check mode).
  returned: when the payload is on the host
  type: dict
error_code:
  description:
    - On failure, the host's error code from hvctl (C(NOT_FOUND), C(EXISTS), C(BAD_PAYLOAD),
      C(APPLY_FAILED), C(TIMEOUT), ...), or one named for hvctl's exit status when it gave none
      (C(BUSY) 2, C(NO_HOST) 3, C(USAGE) 64), or C(BAD_SRC)/C(NO_HVCTL) for a problem found before asking the host.
  returned: failed
  type: str
  sample: NOT_FOUND
error:
  description: On failure, the host's message.
  returned: failed
  type: str
'''

import json
import os
import zipfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hotvisor.fleet.plugins.module_utils.hvctl import (
    HVCTL_ARGUMENT_SPEC, RETRY_ARGUMENT_SPEC, Hvctl, HvctlError)

MANIFEST = 'patch.json'
MANIFEST_CAP = 1024 * 1024  # the payload format's cap on patch.json, inflated


class BadSrc(Exception):
    pass


def read_src(path):
    """The payload build-id from a payload file's patch.json, to compare with the host's (the host verifies the rest)."""
    if not os.path.exists(path):
        raise BadSrc('%s: no such file' % path)
    if not os.path.isfile(path):
        raise BadSrc('%s: not a regular file' % path)
    try:
        with zipfile.ZipFile(path) as z:
            try:
                info = z.getinfo(MANIFEST)
            except KeyError:
                raise BadSrc('%s: not a Hotvisor payload: it has no %s' % (path, MANIFEST))
            if info.file_size > MANIFEST_CAP:
                raise BadSrc('%s: %s is %d bytes, over the format\'s 1 MiB' % (path, MANIFEST, info.file_size))
            manifest = json.loads(z.read(info).decode('utf-8'))
    except (zipfile.BadZipfile, zipfile.LargeZipFile) as e:
        raise BadSrc('%s: not a Hotvisor payload (not a ZIP file: %s)' % (path, e))
    except (IOError, OSError) as e:
        raise BadSrc('%s: cannot read: %s' % (path, e))
    except ValueError as e:
        raise BadSrc('%s: %s is not JSON: %s' % (path, MANIFEST, e))
    build_id = manifest.get('payload-build-id') if isinstance(manifest, dict) else None
    if not isinstance(build_id, str):
        raise BadSrc('%s: %s has no payload-build-id' % (path, MANIFEST))
    return build_id


def find(listing, name):
    for p in listing.get('payloads') or []:
        if p.get('name') == name:
            return p
    return None


def main():
    spec = dict(
        name=dict(type='str', required=True),
        src=dict(type='path'),
        state=dict(type='str', default='applied', choices=['uploaded', 'applied', 'reverted', 'absent']),
        timeout=dict(type='int'),
    )
    spec.update(HVCTL_ARGUMENT_SPEC)
    spec.update(RETRY_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    name = module.params['name']
    src = module.params['src']
    want = module.params['state']
    timeout = module.params['timeout']
    if timeout is not None and not 1 <= timeout <= 3600000:
        module.fail_json(msg='timeout must be 1 .. 3600000 ms, got %d' % timeout, error_code='USAGE', name=name)

    hvctl = Hvctl(module)
    result = dict(changed=False, name=name, actions=[], summaries=[], last_error=None, applied_at=None)

    try:
        listing = hvctl.run(['livepatch', 'list'])
    except HvctlError as e:
        e.fail(module, 'hvctl livepatch list', **result)

    entry = find(listing, name)
    before = entry.get('state') if entry else 'absent'
    result['build_id'] = entry.get('buildId') if entry else None

    src_build_id = None
    src_problem = None
    if src is not None and want in ('uploaded', 'applied'):
        try:
            src_build_id = read_src(src)
        except BadSrc as e:
            src_problem = str(e)
            if entry is None:
                # The file is what would be uploaded: a missing one is ours to report; anything
                # else goes to the host, whose verdict (and error code) is the one that counts.
                if not os.path.isfile(src):
                    module.fail_json(msg='src %s' % e, error_code='BAD_SRC', **result)
            else:
                module.fail_json(msg='payload %s is on the host (build-id %s) but src cannot be compared with it: %s'
                                     % (name, entry.get('buildId'), e), error_code='BAD_SRC', **result)
        if entry is not None and src_build_id is not None and src_build_id != entry.get('buildId'):
            module.fail_json(msg='payload %s on the host is another build (build-id %s) than src %s (build-id %s); '
                                 'revert and unload it, or upload src under another name'
                                 % (name, entry.get('buildId'), src, src_build_id),
                             error_code='EXISTS', **result)
        if entry is None:
            result['build_id'] = src_build_id

    # What it takes to get from the host's state to the wanted one.
    actions = []
    if want in ('uploaded', 'applied') and entry is None:
        if src is None:
            if want == 'uploaded' or module.check_mode:
                module.fail_json(msg='payload %s is not on the host and no src was given to upload it' % name,
                                 error_code='NOT_FOUND', **result)
            # applied without src: the host's own answer (NOT_FOUND) is the error to report.
        else:
            actions.append('upload')
    if want == 'applied' and before != 'APPLIED':
        actions.append('apply')
    if want in ('reverted', 'absent') and before == 'APPLIED':
        actions.append('revert')
    if want == 'absent' and entry is not None:
        actions.append('unload')

    after = {'upload': 'CHECKED', 'apply': 'APPLIED', 'revert': 'CHECKED', 'unload': 'absent'}
    predicted = before
    for a in actions:
        predicted = after[a]
    result['actions'] = actions
    result['changed'] = bool(actions)
    if module._diff:
        result['diff'] = dict(before=dict(name=name, state=before), after=dict(name=name, state=predicted))

    if module.check_mode and 'upload' in actions and src_problem is not None:
        # A real run would send it and the host would refuse it; say so now.
        module.fail_json(msg='src %s: the host would refuse to upload it' % src_problem, error_code='BAD_SRC', **result)

    if module.check_mode or not actions:
        result['state'] = predicted
        if entry is not None:
            result['last_error'] = entry.get('lastError')
            result['applied_at'] = entry.get('appliedAt')
            if not module.check_mode:
                result['payload'] = entry
        module.exit_json(**result)

    done = []
    for a in actions:
        if a == 'upload':
            args = ['livepatch', 'upload', name, src]
        else:
            args = ['livepatch', a, name]
            if timeout is not None and a in ('apply', 'revert'):
                args += ['--timeout', str(timeout)]
        try:
            r = hvctl.run(args, retry=True)
        except HvctlError as e:
            result['changed'] = bool(done)
            result['actions'] = done
            hint = ''
            if a == 'apply' and e.code == 'NOT_FOUND' and src is None:
                hint = '; give src to upload it'
            result.update(_state(hvctl, name))
            e.fail(module, 'hvctl livepatch %s %s' % (a, name), hint=hint, **result)
        done.append(a)
        if isinstance(r, dict) and r.get('summary'):
            result['summaries'].append(r['summary'])

    result.update(_state(hvctl, name))
    module.exit_json(**result)


def _state(hvctl, name):
    """The payload as the host lists it now (what a caller gets back, also after a failure)."""
    try:
        entry = find(hvctl.run(['livepatch', 'list']), name)
    except HvctlError as e:
        return dict(state='unknown', state_error=e.describe('hvctl livepatch list'))
    if entry is None:
        return dict(state='absent')
    return dict(state=entry.get('state'), build_id=entry.get('buildId'), last_error=entry.get('lastError'),
                applied_at=entry.get('appliedAt'), payload=entry)


if __name__ == '__main__':
    main()

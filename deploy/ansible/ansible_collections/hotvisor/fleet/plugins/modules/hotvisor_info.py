#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: hotvisor_info
short_description: Read a running Hotvisor host's state - taint flags, live patches, guests
description:
  - Reads a Hotvisor host through C(hvctl --json) without changing anything - C(hvctl info),
    C(hvctl livepatch list) and C(hvctl list) - and returns them together, for verification steps
    such as the collection's C(rollout.yml).
  - Never changes the host; runs the same in check mode.
version_added: "0.1.0"
options:
  gather:
    description:
      - What to read - C(info) (C(hvctl info)), C(livepatch) (C(hvctl livepatch list)), C(domains) (C(hvctl list)).
      - Each is one hvctl run (they run at once); a poll that needs only one of them is lighter with only that one.
    type: list
    elements: str
    choices: [info, livepatch, domains]
    default: [info, livepatch, domains]
extends_documentation_fragment:
  - hotvisor.fleet.hvctl
author:
  - Hotvisor maintainers
'''

EXAMPLES = r'''
- name: Read the host
  hotvisor.fleet.hotvisor_info:
    socket: /srv/hotvisor/state/control.sock
  register: host

- name: Fail unless the host has been live patched
  ansible.builtin.assert:
    that: "'livepatch' in host.taint_flags"
'''

RETURN = r'''
info:
  description: C(hvctl info --json) without its C(bundles) and C(buildInfo) (version, build-id, topology, uptime, taint, boot domains).
  returned: when gathered
  type: dict
build_id:
  description: The host build's build-id.
  returned: when gathered
  type: str
taint_flags:
  description: The names of the host's taint flags (C(livepatch), C(ucode-late), C(forced), C(degraded), C(health-revert)).
  returned: when gathered
  type: list
  elements: str
  sample: [livepatch]
livepatch:
  description: C(hvctl livepatch list --json) - C(payloads) (name, state, buildId, lastError, appliedAt, ...),
    C(applied) (the applied stack, bottom first), C(watching) (the payload the health watch is watching, or null),
    C(degraded), C(inProgress).
  returned: when gathered
  type: dict
payloads:
  description: Each payload's state by name.
  returned: when gathered
  type: dict
  sample: {"sched-fix": "APPLIED"}
domains:
  description: C(hvctl list --json) - each domain's name, id, memMiB, vcpus, state (C(running), C(paused), ...) and timeSeconds.
  returned: when gathered
  type: list
  elements: dict
running_domains:
  description: The names of the domains in state C(running).
  returned: when gathered
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hotvisor.fleet.plugins.module_utils.hvctl import (
    HVCTL_ARGUMENT_SPEC, Hvctl, HvctlError)

# What can be read, each with the hvctl command that reads it.
READS = dict(info=['info'], livepatch=['livepatch', 'list'], domains=['list'])


def main():
    spec = dict(gather=dict(type='list', elements='str', choices=list(READS), default=list(READS)))
    spec.update(HVCTL_ARGUMENT_SPEC)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    hvctl = Hvctl(module)
    out = dict(changed=False)
    keys = [k for k in READS if k in module.params['gather']]
    try:
        out.update(zip(keys, hvctl.read_all([READS[k] for k in keys])))
    except HvctlError as e:
        e.fail(module, 'hvctl ' + ' '.join(e.cmd[e.cmd.index('--json') + 1:]), **out)
    if 'info' in out:
        info = out['info']
        info.pop('bundles', None)
        info.pop('buildInfo', None)
        out['build_id'] = info.get('buildId')
        out['taint_flags'] = [t.get('flag') for t in info.get('taint') or []]
    if 'livepatch' in out:
        out['payloads'] = dict((p.get('name'), p.get('state')) for p in out['livepatch'].get('payloads') or [])
    if 'domains' in out:
        out['running_domains'] = [d.get('name') for d in out['domains'] or [] if d.get('state') == 'running']
    module.exit_json(**out)


if __name__ == '__main__':
    main()

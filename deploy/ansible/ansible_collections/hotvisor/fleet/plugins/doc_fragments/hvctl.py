# -*- coding: utf-8 -*-
"""Options every hotvisor.fleet module shares: how it reaches the host's hvctl and socket, and
how the modules that change a host retry a refusal after which the host changed nothing."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options:
  hvctl:
    description:
      - Path of the host's C(hvctl) (the distribution's C(bin/hvctl)).
      - Default is C(hvctl) on PATH, else C(/opt/hotvisor/bin/hvctl).
    type: path
  socket:
    description:
      - The host's control socket (hvctl's C(--socket)).
      - Default is hvctl's own, C($HOTVISOR_SOCKET) or else the distribution's C(state/control.sock).
    type: path
'''

    RETRY = r'''
options:
  retries:
    description:
      - How many more times an action refused with C(BUSY) or C(TIMEOUT) (the host changed nothing)
        is tried before the module fails.
    type: int
    default: 2
  retry_delay:
    description:
      - Seconds between those tries.
    type: float
    default: 2.0
'''

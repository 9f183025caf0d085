/**
 * Expected verdicts for the built-in policies (the TLA+ manifest habit): which properties each design
 * is expected to violate, and why, in one sentence. Everything not listed is expected to hold.
 * `kind` says whether the violation is the design's (a kernel issue) or follows from a modelling choice.
 */
import type { ExpectedViolation, Policy } from '../model/policy.ts';
import { LINUX_2025 } from './expected-linux-2025.ts';
import { propertyByName } from './registry.ts';

export type Expectation = ExpectedViolation;

/*
 * override-within-rules (I18) holds under every built-in: static, v12-fcfs, d0 and upstream have no driver_override
 * (the write is ENOENT), and upstream-6.19's 46030379 restriction keeps overrides and mask use apart.
 * upstream-6.19 has no entry: it is upstream's bus with driver_override, so it takes upstream's (its base's).
 */
export const EXPECTED: Readonly<Record<string, Readonly<Record<string, Expectation>>>> = {
  static: {
    'guest-queues-bound-to-vfio-ap': {
      kind: 'design',
      why:
        'A running guest keeps a queue that is unbound, or re-probed to cex4queue; the CRYCB is never revised (§5 ' +
        'gaps).',
    },
    'guest-queues-in-host-config': {
      kind: 'design',
      why: 'A host configuration removal leaves the APQN in the running guest’s CRYCB (§5).',
    },
    'guest-queues-linked-and-passable': {
      kind: 'modelling',
      why: 'Queue links are a D0+ concept (§2); the static model keeps none.',
    },
    'links-follow-assignment': {
      kind: 'modelling',
      why: 'Queue links are a D0+ concept (§2); the static model keeps none.',
    },
    'status-attribute-truthful': {
      kind: 'modelling',
      why: 'The status attribute is D0+ (§8.7); without a shadow the model’s status never says "in use".',
    },
    'assigned-not-default-owned': {
      kind: 'design',
      why: 'No in_use callback before 6.0: a mask write makes an assigned APQN default-owned (§4.2, I2).',
    },
    'in-use-refuses-mask-write': {
      kind: 'design',
      why: 'No in_use callback before 6.0, so nothing refuses the mask write (§4.2, I10).',
    },
    'no-apqn-shared-with-host': {
      kind: 'design',
      why: 'A mask write re-probes a running guest’s queue to cex4queue: host and guest share it (§5, I5).',
    },
    'reset-before-reuse': {
      kind: 'design',
      why: 'After that re-probe the guest keeps using the queue the host now owns (§5, I9).',
    },
    'no-handover-while-resetting': {
      kind: 'design',
      why:
        'The 5.x reset gives up after one retry on an in-progress answer (EBUSY) and nothing waits, so a guest ' +
        'started again gets the queue while its reset still runs (§9, vfio_ap_mdev_reset_queue(q, 1)).',
    },
    'guest-control-domains-allowed': {
      kind: 'design',
      why: 'The CRYCB is the unfiltered matrix, control domains included, even those not in the host ADM (§5).',
    },
  },
  'v12-fcfs': {
    'order-independence': {
      kind: 'design',
      why:
        'First-come-first-served: the guest matrix depends on the order of assignments, Halil Pasic’s critique ' +
        '(§6).',
    },
    recovery: {
      kind: 'design',
      why: 'A host configuration removal unassigns the resources, so they never come back (§6, I8).',
    },
    'guest-queues-bound-to-vfio-ap': {
      kind: 'design',
      why:
        'The FCFS shadow is never re-evaluated on assignment of the other dimension, so a row with an unbound queue ' +
        'can be plugged (§6).',
    },
    'guest-queues-linked-and-passable': {
      kind: 'design',
      why: 'v12 admits queues by binding alone and never re-filters after a failed reset (§6).',
    },
    'guest-control-domains-allowed': {
      kind: 'design',
      why: 'v12 plugs control domains into the CRYCB unconditionally (§6).',
    },
    'guest-queues-in-host-config': {
      kind: 'design',
      foundBy: 'exhaustive',
      why:
        'The FCFS plug has no host-configuration check (§6): a guest started while a domain is out of the host ' +
        'keeps that domain in a shadow without adapters (the start does not intersect with the host: §15.8, ' +
        'unconfirmed), and assigning another domain then plugs matrix.apm × shadow.aqm, the absent domain included ' +
        '(7 ops). Found by the exhaustive engine only.',
    },
    'shadow-within-bounds': {
      kind: 'design',
      why: 'The same unconditional control-domain plug puts host-absent control domains in the shadow (§6, I17).',
    },
    'no-apqn-shared-with-host': {
      kind: 'design',
      foundBy: 'exhaustive',
      why:
        'In the re-probe window of an apmask write (§4.2 step 6) an adapter still bound to cex4queue is no longer ' +
        'default-owned, so assign accepts it; the FCFS shadow keeps it without a domain, and plugging another ' +
        'adapter after a domain puts its queue in the guest while the host has it (7 ops; the v12 plug checks only ' +
        'the new adapter’s queues, §6). Found by the exhaustive engine only.',
    },
    'assign-idempotent': {
      kind: 'modelling',
      why:
        'The no-op rule for assigned ids came in the 6.0 cycle; the model lets v12 retry its FCFS plug on a ' +
        're-assign (§15.9).',
    },
    'reset-before-reuse': {
      kind: 'design',
      why:
        'v12 does not reset on unassign and never checks reset outcomes, so a used queue can reach another owner ' +
        'unzeroized (§6).',
    },
    'no-handover-while-resetting': {
      kind: 'design',
      why:
        'The 5.10-based reset gives up after one retry on an in-progress answer and v12 admits by binding alone, ' +
        'so a guest attached again gets the queue while its reset still runs (§6, §9).',
    },
    'settled-guests-get-their-queues': {
      kind: 'design',
      why:
        'The FCFS shadow is never re-evaluated (§6): an adapter unplugged for an unbound queue of a domain stays ' +
        'out after that domain is unassigned, and a probe plugs only its own adapter.',
    },
    // The KVM notifier of the 5.10 base (mechanism kvm_notifier): before f21916ec4826 it only set m.kvm = NULL.
    'guest-queues-assigned': {
      kind: 'design',
      why:
        'The 5.10 KVM notifier only forgets the KVM (fixed in 5.11 by f21916ec4826): the guest keeps its CRYCB, ' +
        'and its queues can then be unassigned (§1 S1).',
    },
    'no-apqn-in-two-guests': {
      kind: 'design',
      why: 'After the 5.10 notifier the first guest keeps its CRYCB while the queues go to another mdev and guest.',
    },
    'one-mdev-per-vm': {
      kind: 'design',
      why: 'The 5.10 notifier leaves the KVM’s PQAP hook on an mdev no longer attached to it (leaked, §1 S1).',
    },
    'removed-mdev-leaves-nothing': {
      kind: 'design',
      why: 'After the 5.10 notifier the mdev can be removed while the guest keeps its CRYCB and PQAP hook.',
    },
    'status-attribute-truthful': {
      kind: 'design',
      why: 'After the 5.10 notifier the guest still uses queues whose status says only "assigned" (no KVM).',
    },
  },
  d0: {
    'no-kernel-warning': {
      kind: 'design',
      why:
        'D0 resets a queue even after it left the host configuration: ZAPQ answers 0x01 and the reset WARNs ' +
        '(the splats b9bd10c4 removed, §7).',
    },
    'guest-queues-bound-to-vfio-ap': {
      kind: 'design',
      why: 'CVE-2024-26620: the delta filter plugs back an adapter with an unbound queue (§7, §10 example 2).',
    },
    'order-independence': {
      kind: 'design',
      why:
        'The delta filter re-checks only the new row or column, so the guest depends on the order of assign and ' +
        'unbind (§7).',
    },
    recovery: {
      kind: 'design',
      why:
        'Filtering scoped by matrix.aqm drops an adapter for a domain that left the host, so it does not come back ' +
        '(§10 example 3, fixed by 16fb78cb).',
    },
    'guest-queues-linked-and-passable': {
      kind: 'design',
      why: 'A queue whose reset failed stays in the guest until the next filter event (§7, §9).',
    },
    'reset-before-reuse': {
      kind: 'design',
      why:
        'Queues dropped by filtering are not reset, and a failed detach reset is not checked at the next attach ' +
        '(§7).',
    },
    'settled-guests-get-their-queues': {
      kind: 'design',
      why:
        'Filtering scoped by matrix.aqm drops an adapter for an assigned domain that left the host, and no probe ' +
        'brings it back while the domain is out (§10 example 3, fixed by 16fb78cb).',
    },
    'scan-keeps-guest-queues': {
      kind: 'design',
      foundBy: 'exhaustive',
      why:
        'Every probe of a scan filters at once (§10 example 5): when a domain comes back, the first probe drops the ' +
        'adapters whose queue of that domain is not probed yet, and later probes plug them back (9 ops). The random ' +
        'engine meets it only now and then (seed 1 with this property alone: case 23,359; not among all ' +
        "properties' cases), and at the default scope it lies beyond the depth an exhaustive search reaches in " +
        'minutes: not finding it is no surprise.',
    },
    'no-apqn-shared-with-host': {
      kind: 'design',
      foundBy: 'exhaustive',
      why:
        'Between an aqmask write and its re-probes (§4.2 step 6) an APQN is no longer default-owned but still bound ' +
        'to cex4queue: assign passes the mask check, and the delta filter plugs back an adapter with that queue, so ' +
        'guest and host share it (the CVE-2024-26620 pattern, in the re-probe window). Found by the exhaustive ' +
        'engine only.',
    },
  },
  upstream: {
    'no-kernel-warning': {
      kind: 'design',
      why:
        'Between a host configuration change and the bus scan that notices it, vfio_ap still counts the removed ' +
        'queues in its copy of the configuration (matrix_dev->info), so a queue remove, unassign or filter resets ' +
        'one; ZAPQ answers 0x01 and vfio_ap_mdev_reset_queue WARNs (§4.5, §9).',
    },
    'order-independence': {
      kind: 'design',
      why:
        'unassign only clears bits and never re-filters (§8.3): an adapter filtered for an unbound queue stays out ' +
        'after that queue’s domain is unassigned, so the guest depends on the order of unbind and unassign. Worth ' +
        'reporting: Halil Pasic asked this in the v12 review; examples/refilter-on-unassign.ts fixes it.',
    },
    'reset-before-reuse': {
      kind: 'design',
      why:
        'Attach does not re-filter (§8.4): when the detach reset of a queue fails, the next guest attached to the ' +
        'mdev gets it, perhaps with the previous guest’s data. Worth reporting; needs a failing reset (a trace ' +
        'choice, §9).',
    },
    'guest-queues-linked-and-passable': {
      kind: 'modelling',
      why:
        'A failed VFIO reset leaves the queue in the guest until the next filter event (§8.2 filters only on ' +
        'assign, probe, scan, ap_config). Follows from modelling a failed reset as persistent; a question for ' +
        'upstream rather than a bug.',
    },
    'settled-guests-get-their-queues': {
      kind: 'design',
      why:
        'The filter reads the status the last reset stored (§9 _queue_passable): after a failed VFIO reset it ' +
        'drops that adapter at the next filter event, even once the queue works again, and resets it (f848cba7); ' +
        'the reset stores a passable status but nothing filters again, so the guest lacks a working adapter until ' +
        'the next filter event. Needs 3 domains (found by the hybrid engine at 2 × 3), not at the default scope.',
      foundBy: 'exhaustive',
    },
    'status-attribute-truthful': {
      kind: 'modelling',
      why:
        'During a pending remove the 2025 request callback clears the CRYCB while the shadow, which status reads, ' +
        'stays: "in use" for queues no guest can use (§8.3, §8.7). Cosmetic.',
    },
  },
  'linux-2025': LINUX_2025,
};

export const expectation = (policy: string, property: string): Expectation | null =>
  EXPECTED[policy]?.[property] ?? null;

/**
 * What `p` is expected to do on `property` (a name): its own declaration (`expected`, by the property's name or its
 * spec id, the name first), else the built-in table for its name, else its base's expectation. A policy file's name
 * is its path, so it never takes a built-in's entries.
 */
export function expectationFor(p: Policy, property: string): Expectation | null {
  const spec = propertyByName(property)?.spec;
  for (let x: Policy | undefined = p; x !== undefined; x = x.base) {
    const own = x.expected;
    if (own && Object.hasOwn(own, property)) return own[property] ?? null;
    if (own && spec !== undefined && Object.hasOwn(own, spec)) return own[spec] ?? null;
    if (Object.hasOwn(EXPECTED, x.name)) return expectation(x.name, property);
  }
  return null;
}

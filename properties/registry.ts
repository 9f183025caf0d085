import { assignedNotDefaultOwned } from './assigned-not-default-owned.ts';
import { assignIdempotent } from './assign-idempotent.ts';
import { crycbEqualsGuestMatrix } from './crycb-equals-guest-matrix.ts';
import { failedOpChangesNothing } from './failed-op-changes-nothing.ts';
import { guestControlDomainsAllowed } from './guest-control-domains-allowed.ts';
import { guestQueuesAssigned } from './guest-queues-assigned.ts';
import { guestQueuesBoundToVfioAp } from './guest-queues-bound-to-vfio-ap.ts';
import { guestQueuesInHostConfig } from './guest-queues-in-host-config.ts';
import { guestQueuesLinkedAndPassable } from './guest-queues-linked-and-passable.ts';
import { linksFollowAssignment } from './links-follow-assignment.ts';
import { logLinesNameTheRightResources } from './log-lines-name-the-right-resources.ts';
import { linksHalvesAgree } from './links-halves-agree.ts';
import { noApqnInTwoGuests } from './no-apqn-in-two-guests.ts';
import { noKernelWarning } from './no-kernel-warning.ts';
import { noApqnInTwoMdevs } from './no-apqn-in-two-mdevs.ts';
import { noApqnSharedWithHost } from './no-apqn-shared-with-host.ts';
import { noHandoverWhileResetting } from './no-handover-while-resetting.ts';
import { oneMdevPerVm } from './one-mdev-per-vm.ts';
import { orderIndependence } from './order-independence.ts';
import { recovery } from './recovery.ts';
import { refusedMaskWriteChangesNothing } from './refused-mask-write-changes-nothing.ts';
import { removedMdevLeavesNothing } from './removed-mdev-leaves-nothing.ts';
import { overrideWithinRules } from './override-within-rules.ts';
import { resetBeforeReuse } from './reset-before-reuse.ts';
import { scanKeepsGuestQueues } from './scan-keeps-guest-queues.ts';
import { settledGuestsGetTheirQueues } from './settled-guests-get-their-queues.ts';
import { shadowWithinBounds } from './shadow-within-bounds.ts';
import { statusAttributeTruthful } from './status-attribute-truthful.ts';
import type { Property } from './types.ts';

/**
 * Every property, in spec order (I1 … I18), then those beyond §11 (E: kernel events, T: transient, L: liveness
 * after settling).
 */
export const PROPERTIES: readonly Property[] = [
  noApqnInTwoMdevs,
  assignedNotDefaultOwned,
  guestQueuesInHostConfig,
  guestQueuesBoundToVfioAp,
  guestQueuesAssigned,
  guestQueuesLinkedAndPassable,
  guestControlDomainsAllowed,
  noApqnInTwoGuests,
  noApqnSharedWithHost,
  crycbEqualsGuestMatrix,
  orderIndependence,
  recovery,
  resetBeforeReuse,
  noHandoverWhileResetting,
  refusedMaskWriteChangesNothing,
  oneMdevPerVm,
  removedMdevLeavesNothing,
  assignIdempotent,
  statusAttributeTruthful,
  failedOpChangesNothing,
  linksHalvesAgree,
  linksFollowAssignment,
  shadowWithinBounds,
  overrideWithinRules,

  noKernelWarning,
  logLinesNameTheRightResources,
  scanKeepsGuestQueues,
  settledGuestsGetTheirQueues,
];

export const PROPERTY_NAMES = PROPERTIES.map((p) => p.name);
export const propertyByName = (n: string): Property | undefined => PROPERTIES.find((p) => p.name === n);

/** The spec ids (I1 … I17, I3c), each once, in spec order. */
export const SPEC_IDS = [...new Set(PROPERTIES.map((p) => p.spec))];

/**
 * The properties a word names: a property's name, or a spec id (`I7`, `i3c`), which names every property that
 * encodes that invariant (I3 names four); empty if it names none.
 */
export function propertiesNamed(word: string): Property[] {
  const p = propertyByName(word);
  if (p) return [p];
  return PROPERTIES.filter((x) => x.spec.toLowerCase() === word.toLowerCase());
}

/**
 * The one property a word names (a name, or a spec id of a single property); otherwise why not, in words
 * (`unknown property 'x'`, or a spec id shared by several).
 */
export function oneProperty(word: string): Property | string {
  const ps = propertiesNamed(word);
  if (ps.length === 1) return ps[0]!;
  if (ps.length > 1) return `${ps[0]!.spec} names ${ps.length} properties; give one by name (apmc properties)`;
  return `unknown property '${word}'`;
}

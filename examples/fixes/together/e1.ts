/**
 * linux-2025 with the two fixes no-kernel-warning (E1) needs together: the NULL matrix_mdev->kvm of
 * docs/findings/cfg-remove-null-kvm.md and the ZAPQ 01 WARN of docs/findings/reset-warn-after-config-removal.md.
 * Either fix alone leaves E1 violated by the other root cause; with both, `apmc check --base linux-2025` reports
 * E1 fixed.
 *
 *   apmc check --base linux-2025 --policy ./examples/fixes/together/e1.ts --property no-kernel-warning
 */
import type * as Apmc from 'apmc';
import nullKvm from '../cfg-remove-null-kvm.ts';
import resetWarn from '../reset-warn-after-config-removal.ts';

export default (api: typeof Apmc) => {
  const blocks = resetWarn(api).blocks;
  return api.extend(nullKvm(api), {
    name: 'linux-2025+cfg-remove-null-kvm+reset-warn-after-config-removal',
    summary: 'linux-2025 with the NULL matrix_mdev->kvm fix and the ZAPQ 01 fix',
    ...(blocks ? { blocks } : {}),
  });
};

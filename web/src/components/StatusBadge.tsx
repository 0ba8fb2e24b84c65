import type { RunStatus } from '../api/types.ts';

export const StatusBadge = ({ status }: { status: RunStatus | string }) => (
  <span class={`badge status-${status}`} data-status={status}>
    {status}
  </span>
);

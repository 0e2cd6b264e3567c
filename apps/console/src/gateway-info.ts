/** A gateway that reports to this token service (`GET /admin/gateways`): its last push is its heartbeat. */
export interface GatewayInfo {
  readonly id: string;
  readonly clientId?: string;
  readonly firstSeen?: number | string;
  readonly lastSeen: number | string;
  readonly healthy: boolean;
  readonly counts?: Readonly<Record<string, number>>;
  readonly dropped?: number;
  readonly policyHash?: string;
}

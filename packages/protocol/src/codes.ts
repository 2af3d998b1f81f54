/** What a request asks for. Ledger codes are the replica group's own API (DLedger's). */
export const RequestCode = {
  LedgerAppend: 100,
  LedgerGet: 101,
  LedgerStatus: 102,
  LedgerTransferLeadership: 103,
} as const;
export type RequestCode = (typeof RequestCode)[keyof typeof RequestCode];

/** How a request went; every code but Success carries `message` in its headers. */
export const ResponseCode = {
  Success: 0,
  /** A bug or a failed disk on the server; the request may or may not have taken effect. */
  SystemError: 1,
  /** A queue is full; nothing was done, retry later. */
  SystemBusy: 2,
  RequestCodeNotSupported: 3,
  /** The request failed its schema; headers.field names the field. Nothing was done. */
  BadRequest: 4,
  /** This replica does not lead; headers.leaderId and headers.leaderAddress name the leader when known. Nothing was done. */
  NotLeader: 5,
  NotFound: 6,
  /** The entry asked for was compacted away. */
  Compacted: 7,
  /** The write reached the log but its commit could not be confirmed: it may or may not be there. */
  OutcomeUnknown: 8,
} as const;
export type ResponseCode = (typeof ResponseCode)[keyof typeof ResponseCode];

export const responseCodeName: Readonly<Record<ResponseCode, string>> = {
  0: 'SUCCESS',
  1: 'SYSTEM_ERROR',
  2: 'SYSTEM_BUSY',
  3: 'REQUEST_CODE_NOT_SUPPORTED',
  4: 'BAD_REQUEST',
  5: 'NOT_LEADER',
  6: 'NOT_FOUND',
  7: 'COMPACTED',
  8: 'OUTCOME_UNKNOWN',
};

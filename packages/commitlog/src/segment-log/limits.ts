/** The size at which a segment is sealed and the next one begins: RocketMQ's CommitLog default. */
export const segmentSizeBytesDefault = 1024 * 1024 * 1024;
/** Record offsets are u32: a segment's nominal size plus one oversized record must stay below 4 GiB. */
export const segmentSizeBytesMax = 2 * 1024 * 1024 * 1024;
/** Room for the segment header and one empty record; tests use segments this small. */
export const segmentSizeBytesMin = 64;

/**
 * Sealed segments whose position index (4 bytes per record) stays in memory
 * at once, besides the active segment's: a reader moving through the log in
 * order needs one at a time, so two let it cross into the next segment while
 * another reader works elsewhere. The others are read back from their
 * checkpoints on demand.
 */
export const positionIndexCacheSegmentsMax = 2;

/** The largest entry payload an append accepts unless configured otherwise. */
export const entrySizeBytesMaxDefault = 8 * 1024 * 1024;
/** The highest entrySizeBytesMax may be set: the writer holds a whole record in one buffer. */
export const entrySizeBytesMaxLimit = 256 * 1024 * 1024;

/**
 * The largest snapshot a SegmentLog accepts unless configured otherwise. The
 * newest snapshot and the base one are kept in memory for the synchronous
 * `snapshot()` and `baseSnapshot()`, so this bounds that memory (twice).
 */
export const snapshotSizeBytesMaxDefault = 64 * 1024 * 1024;

/**
 * Appends queued while a write and its fdatasync were in flight go out
 * together, up to this many bytes per write: large enough that a sync costs
 * little per byte (ANCHORS.md: 4 MiB per sync reaches about 390 MB/s), small
 * enough that encoding the next batch does not wait long for the previous one.
 */
export const writeBatchSizeBytesDefault = 4 * 1024 * 1024;

/**
 * Bytes of appends queued but not yet written that a store accepts before
 * refusing more (WriteQueueFullError): callers that never wait for their
 * appends cannot grow memory without bound.
 */
export const unwrittenBytesMaxDefault = 256 * 1024 * 1024;

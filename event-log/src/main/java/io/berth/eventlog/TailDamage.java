package io.berth.eventlog;

import java.nio.file.Path;

/**
 * What {@link ChronicleEventLog} found and set aside at open when the end of its newest file was damaged
 * (a torn write, a disk error, a file truncated or overwritten by hand). The log continues after the last
 * good document: everything up to {@code lastGoodPosition} is kept, the damaged rest is only in
 * {@code savedCopy}.
 *
 * @param file               the damaged cycle file (it has been rewritten without the damage)
 * @param savedCopy          the copy of the damaged file as it was found, for forensics
 * @param lastGoodPosition   the last position kept (0 when nothing was); new appends continue after it
 * @param problem            what was wrong, e.g. "checksum mismatch" or "unreadable bytes after the last
 *                           good document"
 * @param bytesSetAside      how many bytes after the last good document were not kept
 * @param documentsSetAside  how many documents (batches) were not kept, as far as Chronicle's index knew
 *                           of them (at least 1 when a document was unreadable)
 */
public record TailDamage(Path file, Path savedCopy, long lastGoodPosition, String problem, long bytesSetAside,
                         long documentsSetAside) {}

/**
 * Internal, not API: the emulated pmem device (sparse off-heap memory, sectors, badblocks, and the
 * DAX, driver, mapping and zeroing access paths). It knows nothing of files. The module does not
 * export this package; its public classes are public only for {@code io.daxfs.fs} and the layers
 * above, and may change in any release. Users control the device through {@link
 * io.daxfs.PmemDevice}, which gives no raw access to its memory.
 */
package io.daxfs.device;

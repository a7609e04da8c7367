#ifndef VIGIL_CCRC32_H
#define VIGIL_CCRC32_H

#include <stddef.h>
#include <stdint.h>

/// CRC-32 (RFC 1952, the polynomial of gzip and EVTX) of `length` bytes, continuing `crc`
/// (0 to start). Uses carry-less multiplication (x86-64 PCLMULQDQ) or the ARMv8 CRC32
/// instructions when the processor has them, a table otherwise.
uint32_t vigil_crc32(uint32_t crc, const void *data, size_t length);

#endif

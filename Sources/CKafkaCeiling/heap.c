// Heap accounting for the benchmark: see CKafkaCeiling.h.
#include "CKafkaCeiling.h"

#include <malloc.h>

size_t ckc_heap_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

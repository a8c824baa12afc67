// Heap accounting for the benchmark: see CKafkaCeiling.h.
#include "CKafkaCeiling.h"

#include <mimalloc.h>

// Adds up an area of the heap: its blocks in use times their size.
static bool add_area(const mi_heap_t *heap, const mi_heap_area_t *area, void *block, size_t block_size, void *total) {
    (void)heap;
    (void)block;
    (void)block_size;
    *(size_t *)total += area->used * area->block_size;
    return true;
}

size_t ckc_heap_in_use(void) {
    size_t total = 0;
    mi_heap_visit_blocks(mi_heap_get_default(), false, add_area, &total);
    return total;
}

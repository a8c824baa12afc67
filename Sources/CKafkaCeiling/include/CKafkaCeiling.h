#ifndef OFFER_WORKER_CKAFKA_CEILING_H
#define OFFER_WORKER_CKAFKA_CEILING_H

#include <stddef.h>
#include <stdint.h>

/// What one run of the ceiling loop measured.
typedef struct ckc_result {
    /// Outputs acknowledged (equals `expected` on success).
    int64_t records;
    /// Wall seconds from the first record consumed to the last acknowledgement.
    double seconds;
    /// Process CPU seconds (user + system, every thread) over the same span.
    double cpu_seconds;
    /// The steady part: from 10 % to 90 % of the outputs acknowledged, how many, in how
    /// many wall seconds and process CPU seconds.
    int64_t steady_records;
    double steady_seconds;
    double steady_cpu_seconds;
} ckc_result;

/// The Kafka ceiling of the offer worker: a plain librdkafka consume -> produce loop,
/// pipelined as the worker is. It reads `input_topic` in consumer group `group`, produces
/// each record's key and value to the same partition of `output_topic` (idempotent,
/// acks=all, linger.ms=5, as the worker's producer), stores an input's offset only once its
/// output's delivery report arrived (outputs of one partition are acknowledged in order),
/// and lets auto-commit commit the stored offsets every `commit_interval_ms`. Nothing waits
/// per batch; at most `max_in_flight` outputs are unacknowledged. Before it subscribes, the
/// producer sends one record to partition 0 of `output_topic` and waits for it, so the
/// producer's start (connection, idempotent producer id) is not timed.
///
/// Returns when `expected` outputs are acknowledged (after a final synchronous commit and
/// leaving the group): 0, or -1 with a message in `error` (also after `timeout_ms`).
///
/// `queued_max_kbytes` is the consumer's `queued.max.messages.kbytes`, the worker's default,
/// so that both loops prefetch alike. `fetch_wait_max_ms`, when positive, is the consumer's
/// `fetch.wait.max.ms` (the latency run sets the worker's to 1 ms for the mock broker, and
/// this loop's alike when it measures the same path's latency).
int ckc_run_ceiling(const char *bootstrap_servers, const char *group, const char *input_topic,
                    const char *output_topic, int64_t expected, int max_in_flight,
                    int commit_interval_ms, int queued_max_kbytes, int fetch_wait_max_ms, int timeout_ms,
                    ckc_result *result, char *error, size_t error_size);

/// Bytes the calling thread's heap has handed out and not freed (mimalloc, the allocator the
/// benchmark and `offer-worker` link: the blocks in use of every area of the thread's default
/// heap), to measure what a data structure built on that thread holds.
size_t ckc_heap_in_use(void);

#endif

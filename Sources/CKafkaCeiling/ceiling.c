// The C ceiling of the offer worker benchmark: see CKafkaCeiling.h.
#include "CKafkaCeiling.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define CKC_MAX_PARTITIONS 1024

/// Delivery state, touched only by the loop's thread (delivery reports are served by
/// rd_kafka_poll on it).
typedef struct ckc_state {
    int64_t acked;
    int64_t failed;
    /// Per input partition: the offset after the last acknowledged output, -1 when none.
    int64_t next_offset[CKC_MAX_PARTITIONS];
    unsigned char dirty[CKC_MAX_PARTITIONS];
    char first_error[256];
} ckc_state;

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 + (double)usage.ru_stime.tv_sec +
           (double)usage.ru_stime.tv_usec / 1e6;
}

// The output goes to the input's partition number, so a partition's reports arrive in input
// order and each one's offset can be stored as it comes.
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *message, void *opaque) {
    (void)rk;
    ckc_state *state = opaque;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (state->failed++ == 0) {
            snprintf(state->first_error, sizeof state->first_error, "delivery failed: %s", rd_kafka_err2str(message->err));
        }
        return;
    }
    int32_t partition = message->partition;
    if (partition < 0 || partition >= CKC_MAX_PARTITIONS) return;
    int64_t next = (int64_t)(intptr_t)message->_private + 1;
    if (next > state->next_offset[partition]) {
        state->next_offset[partition] = next;
        state->dirty[partition] = 1;
    }
    state->acked++;
}

static int set(rd_kafka_conf_t *conf, const char *name, const char *value, char *error, size_t error_size) {
    if (rd_kafka_conf_set(conf, name, value, error, error_size) != RD_KAFKA_CONF_OK) return -1;
    return 0;
}

/// Stores the offsets whose outputs were acknowledged since the last call.
static void store_offsets(rd_kafka_t *consumer, const char *topic, ckc_state *state) {
    rd_kafka_topic_partition_list_t *list = NULL;
    for (int32_t p = 0; p < CKC_MAX_PARTITIONS; p++) {
        if (!state->dirty[p]) continue;
        state->dirty[p] = 0;
        if (!list) list = rd_kafka_topic_partition_list_new(32);
        rd_kafka_topic_partition_list_add(list, topic, p)->offset = state->next_offset[p];
    }
    if (!list) return;
    rd_kafka_offsets_store(consumer, list);  // a partition not assigned any more is skipped
    rd_kafka_topic_partition_list_destroy(list);
}

int ckc_run_ceiling(const char *bootstrap_servers, const char *group, const char *input_topic, const char *output_topic,
                    int64_t expected, int max_in_flight, int commit_interval_ms, int queued_max_kbytes, int fetch_wait_max_ms,
                    int timeout_ms, ckc_result *result, char *error, size_t error_size) {
    memset(result, 0, sizeof *result);
    ckc_state *state = calloc(1, sizeof *state);
    if (!state) {
        snprintf(error, error_size, "out of memory");
        return -1;
    }
    for (int p = 0; p < CKC_MAX_PARTITIONS; p++) state->next_offset[p] = -1;
    char interval[32];
    snprintf(interval, sizeof interval, "%d", commit_interval_ms);
    char queued[32];
    snprintf(queued, sizeof queued, "%d", queued_max_kbytes);
    char fetch_wait[32];
    snprintf(fetch_wait, sizeof fetch_wait, "%d", fetch_wait_max_ms);

    rd_kafka_conf_t *cconf = rd_kafka_conf_new();
    if (set(cconf, "bootstrap.servers", bootstrap_servers, error, error_size) || set(cconf, "group.id", group, error, error_size) ||
        set(cconf, "enable.auto.commit", "true", error, error_size) ||
        set(cconf, "auto.commit.interval.ms", interval, error, error_size) ||
        set(cconf, "enable.auto.offset.store", "false", error, error_size) ||
        set(cconf, "auto.offset.reset", "earliest", error, error_size) ||
        set(cconf, "queued.max.messages.kbytes", queued, error, error_size) ||
        set(cconf, "partition.assignment.strategy", "range", error, error_size) ||
        set(cconf, "enable.partition.eof", "false", error, error_size) ||
        (fetch_wait_max_ms > 0 && set(cconf, "fetch.wait.max.ms", fetch_wait, error, error_size))) {
        rd_kafka_conf_destroy(cconf);
        free(state);
        return -1;
    }
    rd_kafka_t *consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, error, error_size);
    if (!consumer) {
        rd_kafka_conf_destroy(cconf);
        free(state);
        return -1;
    }
    rd_kafka_poll_set_consumer(consumer);

    rd_kafka_conf_t *pconf = rd_kafka_conf_new();
    if (set(pconf, "bootstrap.servers", bootstrap_servers, error, error_size) ||
        set(pconf, "enable.idempotence", "true", error, error_size) || set(pconf, "acks", "all", error, error_size) ||
        set(pconf, "linger.ms", "5", error, error_size)) {
        rd_kafka_conf_destroy(pconf);
        rd_kafka_destroy(consumer);
        free(state);
        return -1;
    }
    rd_kafka_conf_set_dr_msg_cb(pconf, on_delivery);
    rd_kafka_conf_set_opaque(pconf, state);
    rd_kafka_t *producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, error, error_size);
    if (!producer) {
        rd_kafka_conf_destroy(pconf);
        rd_kafka_destroy(consumer);
        free(state);
        return -1;
    }

    int status = 0;
    // Warm-up: one record through the producer (connection, idempotent producer id) before
    // anything is timed.
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer, RD_KAFKA_V_TOPIC(output_topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_VALUE("warm-up", 7),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE((void *)(intptr_t)-1), RD_KAFKA_V_END);
    if (!err) err = rd_kafka_flush(producer, 30000);
    if (err || state->failed) {
        snprintf(error, error_size, "warm-up record: %s", err ? rd_kafka_err2str(err) : state->first_error);
        status = -1;
    }
    state->acked = 0;
    state->next_offset[0] = -1;
    state->dirty[0] = 0;

    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, input_topic, RD_KAFKA_PARTITION_UA);
    err = rd_kafka_subscribe(consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (status == 0 && err) {
        snprintf(error, error_size, "subscribe: %s", rd_kafka_err2str(err));
        status = -1;
    }

    int64_t produced = 0;
    double started = 0, cpu_started = 0;
    // The steady window: from 10 % to 90 % of the outputs acknowledged.
    int64_t steady_from = expected / 10, steady_to = expected * 9 / 10, steady_start_records = -1;
    double steady_started = 0, steady_cpu_started = 0;
    double deadline = now_seconds() + timeout_ms / 1000.0;
    while (status == 0 && state->acked < expected) {
        if (state->failed) {
            snprintf(error, error_size, "%s", state->first_error);
            status = -1;
            break;
        }
        if (now_seconds() > deadline) {
            snprintf(error, error_size, "timed out: %lld of %lld outputs acknowledged", (long long)state->acked,
                     (long long)expected);
            status = -1;
            break;
        }
        int64_t in_flight = produced - state->acked;
        int taken = 0;
        if (in_flight < max_in_flight) {
            int wait = in_flight == 0 ? 100 : 0;
            while (taken < 500) {
                rd_kafka_message_t *message = rd_kafka_consumer_poll(consumer, taken == 0 ? wait : 0);
                if (!message) break;
                if (message->err) {
                    if (message->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                        fprintf(stderr, "ceiling: consumer error: %s\n", rd_kafka_message_errstr(message));
                    }
                    rd_kafka_message_destroy(message);
                    continue;
                }
                if (produced == 0) {
                    started = now_seconds();
                    cpu_started = cpu_seconds();
                }
                for (;;) {
                    err = rd_kafka_producev(
                        producer, RD_KAFKA_V_TOPIC(output_topic), RD_KAFKA_V_PARTITION(message->partition),
                        RD_KAFKA_V_KEY(message->key, message->key_len), RD_KAFKA_V_VALUE(message->payload, message->len),
                        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE((void *)(intptr_t)message->offset),
                        RD_KAFKA_V_END);
                    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
                    rd_kafka_poll(producer, 10);
                }
                rd_kafka_message_destroy(message);
                if (err) {
                    snprintf(error, error_size, "produce: %s", rd_kafka_err2str(err));
                    status = -1;
                    break;
                }
                produced++;
                taken++;
            }
        }
        rd_kafka_poll(producer, (taken == 0 && produced > state->acked) ? 1 : 0);
        store_offsets(consumer, input_topic, state);
        if (steady_start_records < 0 && state->acked >= steady_from) {
            steady_start_records = state->acked;
            steady_started = now_seconds();
            steady_cpu_started = cpu_seconds();
        } else if (steady_start_records >= 0 && result->steady_records == 0 && state->acked >= steady_to) {
            result->steady_records = state->acked - steady_start_records;
            result->steady_seconds = now_seconds() - steady_started;
            result->steady_cpu_seconds = cpu_seconds() - steady_cpu_started;
        }
    }
    if (status == 0) {
        result->records = state->acked;
        result->seconds = now_seconds() - started;
        result->cpu_seconds = cpu_seconds() - cpu_started;
        err = rd_kafka_commit(consumer, NULL, 0);  // what auto-commit has not sent yet
        if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
            snprintf(error, error_size, "final commit: %s", rd_kafka_err2str(err));
            status = -1;
        }
    }
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    rd_kafka_flush(producer, 5000);
    rd_kafka_destroy(producer);
    free(state);
    return status;
}

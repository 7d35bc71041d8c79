"""Sends prompts to a Tandem job and prints one JSON line per answer: the result, or the dead letter
that refused the request. Plain Kafka (confluent-kafka) and plain Avro (fastavro) with the schemas
of schemas/src/main/avro: nothing of Tandem's Java code.

    pip install -r requirements.txt
    python send.py --bootstrap localhost:9092 "It is a truth universally acknowledged" ""
"""

import argparse
import json
import pathlib
import sys
import time
import uuid
from io import BytesIO

import fastavro

SCHEMAS = pathlib.Path(__file__).resolve().parents[2] / "schemas" / "src" / "main" / "avro"


def load_schemas():
    """The three records, after the shared types of common/ that they name."""
    named = {}
    for path in sorted((SCHEMAS / "common").glob("*.avsc")):
        fastavro.parse_schema(json.loads(path.read_text()), named_schemas=named)
    return {
        name: fastavro.parse_schema(json.loads((SCHEMAS / f"{name}.avsc").read_text()), named_schemas=named)
        for name in ("InferenceRequest", "InferenceResult", "DeadLetter")
    }


def encode_request(schemas, request_id, prompt, max_new_tokens, now_ms=None):
    """An InferenceRequest in Avro binary, no framing: the value of a record on the requests topic."""
    out = BytesIO()
    fastavro.schemaless_writer(out, schemas["InferenceRequest"], {
        "requestId": request_id,
        "tenantId": "default",
        "prompt": prompt,
        "maxNewTokens": max_new_tokens,
        "sampling": {"temperature": 0.0, "topP": 1.0, "seed": None},
        "clientSendTime": int(time.time() * 1000) if now_ms is None else now_ms,
        "uplink": None,
        "trace": None,
        "metadata": {"client": "python"},
        "deadlineMs": None,
        "speculation": None,
    })
    return out.getvalue()


def decode(schemas, name, value):
    """A record of the results (InferenceResult) or dead-letter (DeadLetter) topic."""
    return fastavro.schemaless_reader(BytesIO(value), schemas[name], schemas[name])


def answer_line(schemas, topic, value, results_topic):
    """What to print for a record: the result's main fields, or the dead letter's reason."""
    if topic == results_topic:
        result = decode(schemas, "InferenceResult", value)
        return result["requestId"], {
            "requestId": result["requestId"],
            "text": result["text"],
            "finishReason": result["finishReason"],
            "generatedTokens": result["generatedTokens"],
            "latencyMs": result["latency"]["totalMs"],
        }
    letter = decode(schemas, "DeadLetter", value)
    return letter["requestId"], {
        "requestId": letter["requestId"],
        "deadLetter": {"errorCode": letter["errorCode"], "field": letter["field"], "reason": letter["reason"]},
    }


def main():
    from confluent_kafka import Consumer, Producer, TopicPartition

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prompts", nargs="+")
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--requests-topic", default="tandem-requests")
    parser.add_argument("--results-topic", default="tandem-results")
    parser.add_argument("--dead-letter-topic", default="tandem-dead-letters")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    schemas = load_schemas()

    # read both answer topics from their current ends, fixed before anything is sent
    consumer = Consumer({"bootstrap.servers": args.bootstrap, "group.id": f"tandem-python-{uuid.uuid4()}",
                         "enable.auto.commit": False})
    partitions = []
    for topic in (args.results_topic, args.dead_letter_topic):
        for partition in consumer.list_topics(topic, timeout=10).topics[topic].partitions:
            _, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            partitions.append(TopicPartition(topic, partition, high))
    consumer.assign(partitions)

    producer = Producer({"bootstrap.servers": args.bootstrap, "enable.idempotence": True})
    waiting = set()
    for prompt in args.prompts:
        request_id = f"python-{uuid.uuid4()}"
        waiting.add(request_id)
        # key: the request id (UTF-8); value: InferenceRequest in Avro binary; no headers
        producer.produce(args.requests_topic, key=request_id.encode(), value=encode_request(
            schemas, request_id, prompt, args.max_new_tokens))
    producer.flush()

    deadline = time.monotonic() + args.timeout
    while waiting and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is None or message.error():
            continue
        request_id, line = answer_line(schemas, message.topic(), message.value(), args.results_topic)
        if request_id in waiting:
            waiting.discard(request_id)
            print(json.dumps(line), flush=True)
    consumer.close()
    for request_id in waiting:
        print(f"no answer to {request_id} within {args.timeout} s", file=sys.stderr)
    sys.exit(1 if waiting else 0)


if __name__ == "__main__":
    main()

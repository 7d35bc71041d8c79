-- Prompts in from Kafka, completions out to Kafka, the bundled pair decoding speculatively inside
-- the query. Run it with: ./tandem sql examples/sql/austen.sql
-- ${bootstrap} is the broker, ${home} the Tandem checkout.

CREATE TABLE prompts (
  id INT,
  prompt STRING
) WITH (
  'connector' = 'kafka',
  'topic' = 'sql-prompts',
  'properties.bootstrap.servers' = '${bootstrap}',
  'properties.group.id' = 'tandem-sql-example',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset',
  'format' = 'avro'
);

CREATE TABLE completions (
  id INT,
  prompt STRING,
  completion STRING,
  finish_reason STRING,
  tokens INT,
  rounds INT
) WITH (
  'connector' = 'kafka',
  'topic' = 'sql-completions',
  'properties.bootstrap.servers' = '${bootstrap}',
  'properties.group.id' = 'tandem-sql-example',
  'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset',
  'format' = 'avro'
);

INSERT INTO prompts VALUES
  (1, 'It is a truth universally acknowledged'),
  (2, 'Emma Woodhouse, handsome, clever, and rich,'),
  (3, 'The family of Dashwood had long been settled in Sussex.'),
  (4, 'Sir Walter Elliot, of Kellynch Hall,'),
  (5, ''),
  (6, 'Mr. Darcy');

CREATE MODEL austen
  INPUT (prompt STRING)
  OUTPUT (completion STRING, finish_reason STRING, tokens INT, rounds INT)
  WITH (
    'provider' = 'tandem',
    'target' = '${home}/models/austen-target',
    'draft' = '${home}/models/austen-draft',
    'planner-profile' = '${home}/models/austen-pair-profile.json',
    'mode' = 'sd',
    'max-new-tokens' = '24'
  );

-- up to 16 rows of the subtask in flight, which is what the model batches
INSERT INTO completions
SELECT id, prompt, completion, finish_reason, tokens, rounds
FROM ML_PREDICT(TABLE prompts, MODEL austen, DESCRIPTOR(prompt),
                MAP['max-concurrent-operations', '16']);

SELECT id, completion, finish_reason, tokens, rounds FROM completions;

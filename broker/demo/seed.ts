/**
 * The demo shop: customers with personal data, payments with card numbers, orders and API
 * tokens — fake but realistic values (card numbers pass Luhn) so masking has something to find.
 * `airlock_agent` is the read-only role agents run as.
 */
export const DEMO_DATABASE = 'shop';

export const SEED_SQL = `
CREATE TABLE customers (
  id serial PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL UNIQUE,
  ssn text NOT NULL,
  phone text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
  id serial PRIMARY KEY,
  customer_id int NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  total_cents int NOT NULL,
  status text NOT NULL DEFAULT 'new',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE payments (
  id serial PRIMARY KEY,
  order_id int NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  card_number text NOT NULL,
  amount_cents int NOT NULL,
  paid_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE api_tokens (
  id serial PRIMARY KEY,
  customer_id int NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
  token text NOT NULL,
  label text
);
INSERT INTO customers (name, email, ssn, phone)
SELECT 'Customer ' || i,
       'customer' || i || '@example.com',
       lpad((100 + i % 800)::text, 3, '0') || '-' || lpad((10 + i % 89)::text, 2, '0') || '-' || lpad((1000 + i)::text, 4, '0'),
       '+1-555-' || lpad((1000 + i)::text, 4, '0')
FROM generate_series(1, 200) AS i;
INSERT INTO orders (customer_id, total_cents, status)
SELECT 1 + (i % 200), 500 + (i * 37) % 20000, (ARRAY['new','paid','shipped','refunded'])[1 + i % 4]
FROM generate_series(1, 5000) AS i;
INSERT INTO payments (order_id, card_number, amount_cents)
SELECT o.id, (ARRAY['4111111111111111','5500000000000004','340000000000009','6011000000000004'])[1 + o.id % 4], o.total_cents
FROM orders o WHERE o.status <> 'new';
INSERT INTO api_tokens (customer_id, token, label)
SELECT i, 'sk_live_' || md5('demo' || i), 'integration ' || i FROM generate_series(1, 50) AS i;
`;

/**
 * The database roles sessions run as, (re)granted at every start so that a demo folder made by
 * an older version gets them too: agents read, developers read and write rows.
 */
export const ROLES_SQL = `
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'airlock_agent') THEN
    CREATE ROLE airlock_agent NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'airlock_developer') THEN
    CREATE ROLE airlock_developer NOLOGIN;
  END IF;
END $$;
GRANT USAGE ON SCHEMA public TO airlock_agent, airlock_developer;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO airlock_agent;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO airlock_developer;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO airlock_developer;
GRANT airlock_agent, airlock_developer TO CURRENT_USER;
`;

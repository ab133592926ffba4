-- The schema the corpus migrations run against: these tables exist and hold rows in production.
-- The corpus test replays this file as already-applied history (as `plan` does with applied migrations).
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email varchar(255), name varchar(100),
    bio text, score integer, status text, balance numeric(10,2), last_login timestamptz, legacy_flag boolean);
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint, total numeric(10,2),
    note varchar(200), created_at timestamptz DEFAULT now());
CREATE TABLE sessions (id bigint PRIMARY KEY, user_id bigint, expires_at timestamptz);
CREATE TABLE coupons (id bigint PRIMARY KEY, code text);
CREATE INDEX idx_orders_user_id ON orders (user_id);
CREATE UNIQUE INDEX users_email_idx ON users (email);
CREATE MATERIALIZED VIEW order_totals AS SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id;

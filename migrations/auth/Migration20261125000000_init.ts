import { Migration } from '@mikro-orm/migrations';

export class Migration20261125000000_init extends Migration {
  override up(): void {
    this.addSql(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        username text NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL,
        CONSTRAINT users_email_key UNIQUE (email),
        CONSTRAINT users_username_key UNIQUE (username)
      )`);
    // Username prefix search: LIKE 'abc%' on a text_pattern_ops index (usernames are lower-case).
    this.addSql(`CREATE INDEX users_username_prefix_idx ON users (username text_pattern_ops)`);
    this.addSql(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        user_agent text NOT NULL,
        created_at timestamptz NOT NULL,
        last_used_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    this.addSql(`CREATE INDEX sessions_user_active_idx ON sessions (user_id) WHERE revoked_at IS NULL`);
    this.addSql(`
      CREATE TABLE refresh_tokens (
        hash text PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        spent_at timestamptz
      )`);
    this.addSql(`CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id)`);
  }

  override down(): void {
    this.addSql('DROP TABLE refresh_tokens');
    this.addSql('DROP TABLE sessions');
    this.addSql('DROP TABLE users');
  }
}

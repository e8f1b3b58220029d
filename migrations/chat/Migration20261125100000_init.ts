import { Migration } from '@mikro-orm/migrations';

export class Migration20261125100000_init extends Migration {
  override up(): void {
    // Orders chat lists by last activity: every new message takes the next value, so two chats
    // never tie and a page cursor is a single number.
    this.addSql(`CREATE SEQUENCE chat_activity_seq`);
    this.addSql(`
      CREATE TABLE chats (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('DIRECT', 'GROUP')),
        title text,
        -- "<smaller user id>:<larger user id>" for DIRECT chats: one chat per pair.
        direct_key text UNIQUE,
        -- The seq of the newest event in the chat's log; the chat's creation is 0.
        last_seq integer NOT NULL DEFAULT 0,
        member_count integer NOT NULL,
        last_message_id uuid,
        activity bigint NOT NULL DEFAULT nextval('chat_activity_seq'),
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CHECK ((kind = 'DIRECT') = (direct_key IS NOT NULL))
      )`);
    this.addSql(`
      CREATE TABLE chat_members (
        chat_id uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
        user_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'MEMBER')),
        joined_at timestamptz NOT NULL,
        last_read_seq integer NOT NULL DEFAULT 0,
        PRIMARY KEY (chat_id, user_id)
      )`);
    this.addSql(`CREATE INDEX chats_activity_idx ON chats (activity DESC)`);
    this.addSql(`CREATE INDEX chat_members_user_idx ON chat_members (user_id, chat_id)`);
    this.addSql(`CREATE INDEX chat_members_order_idx ON chat_members (chat_id, joined_at, user_id)`);
    this.addSql(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY,
        chat_id uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        sender_id uuid NOT NULL,
        body text NOT NULL,
        client_message_id text NOT NULL,
        reply_to_id uuid REFERENCES messages (id),
        created_at timestamptz NOT NULL,
        edited_at timestamptz,
        deleted_at timestamptz,
        CONSTRAINT messages_chat_seq_key UNIQUE (chat_id, seq),
        CONSTRAINT messages_client_id_key UNIQUE (chat_id, sender_id, client_message_id)
      )`);
    this.addSql(`
      CREATE TABLE chat_events (
        chat_id uuid NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        kind text NOT NULL,
        message_id uuid REFERENCES messages (id),
        data jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL,
        PRIMARY KEY (chat_id, seq)
      )`);
  }

  override down(): void {
    this.addSql('DROP TABLE chat_events');
    this.addSql('DROP TABLE messages');
    this.addSql('DROP TABLE chat_members');
    this.addSql('DROP TABLE chats');
    this.addSql('DROP SEQUENCE chat_activity_seq');
  }
}

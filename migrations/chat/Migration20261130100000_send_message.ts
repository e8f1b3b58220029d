import { Migration } from '@mikro-orm/migrations';

/**
 * `chat_send_message`: a send in one statement (one round trip, its plans cached by PL/pgSQL
 * per connection) instead of eight. It does what the log requires (services/chat/src/event-log.ts):
 * the chat row locked for the transaction, the idempotency check under that lock, the next seq,
 * the message, its event and the sender's read marker, committed together.
 *
 * Returns one row: `outcome` is 'sent', 'existing' (the sender already used this client message
 * id in this chat: the first message, nothing written), 'not_found' (no such chat, or the sender
 * is not a member), 'bad_reply' (reply_to is not a message of this chat) or 'exhausted' (the
 * chat's log is full); `message` and `reply` are the rows as JSON.
 */
export class Migration20261130100000_send_message extends Migration {
  override up(): void {
    this.addSql(`
      CREATE FUNCTION chat_send_message(
        p_chat uuid, p_sender uuid, p_id uuid, p_body text, p_client_id text, p_reply_to uuid, p_max_seq integer)
      RETURNS TABLE (outcome text, message jsonb, reply jsonb)
      LANGUAGE plpgsql AS $$
      DECLARE
        v_last integer;
        v_role text;
        v_message messages;
        v_reply messages;
      BEGIN
        -- NO KEY UPDATE: writers of one chat exclude each other; inserts that only reference it do not.
        SELECT c.last_seq, m.role INTO v_last, v_role
          FROM chats c LEFT JOIN chat_members m ON m.chat_id = c.id AND m.user_id = p_sender
         WHERE c.id = p_chat
           FOR NO KEY UPDATE OF c;
        IF v_role IS NULL THEN
          RETURN QUERY SELECT 'not_found', NULL::jsonb, NULL::jsonb;
          RETURN;
        END IF;
        SELECT * INTO v_message FROM messages
         WHERE chat_id = p_chat AND sender_id = p_sender AND client_message_id = p_client_id;
        IF FOUND THEN
          SELECT * INTO v_reply FROM messages WHERE id = v_message.reply_to_id;
          RETURN QUERY SELECT 'existing', to_jsonb(v_message), CASE WHEN v_reply.id IS NULL THEN NULL ELSE to_jsonb(v_reply) END;
          RETURN;
        END IF;
        IF p_reply_to IS NOT NULL THEN
          SELECT * INTO v_reply FROM messages WHERE id = p_reply_to AND chat_id = p_chat;
          IF NOT FOUND THEN
            RETURN QUERY SELECT 'bad_reply', NULL::jsonb, NULL::jsonb;
            RETURN;
          END IF;
        END IF;
        IF v_last >= p_max_seq THEN
          RETURN QUERY SELECT 'exhausted', NULL::jsonb, NULL::jsonb;
          RETURN;
        END IF;
        UPDATE chats SET last_seq = v_last + 1, updated_at = now(), last_message_id = p_id,
                         activity = nextval('chat_activity_seq')
         WHERE id = p_chat;
        INSERT INTO messages (id, chat_id, seq, sender_id, body, client_message_id, reply_to_id, created_at)
        VALUES (p_id, p_chat, v_last + 1, p_sender, p_body, p_client_id, p_reply_to, now())
        RETURNING * INTO v_message;
        INSERT INTO chat_events (chat_id, seq, kind, message_id, data, created_at)
        VALUES (p_chat, v_last + 1, 'message_created', p_id, '{}', now());
        -- Sending reads everything up to one's own message.
        UPDATE chat_members SET last_read_seq = GREATEST(last_read_seq, v_last + 1)
         WHERE chat_id = p_chat AND user_id = p_sender;
        RETURN QUERY SELECT 'sent', to_jsonb(v_message), CASE WHEN v_reply.id IS NULL THEN NULL ELSE to_jsonb(v_reply) END;
      END
      $$`);
  }

  override down(): void {
    this.addSql('DROP FUNCTION chat_send_message(uuid, uuid, uuid, text, text, uuid, integer)');
  }
}

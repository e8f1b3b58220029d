import { Migration } from '@mikro-orm/migrations';

export class Migration20261125200000_init extends Migration {
  override up(): void {
    this.addSql(`
      CREATE TABLE profiles (
        user_id uuid PRIMARY KEY,
        -- NULL: the default, the user's username.
        display_name text,
        bio text NOT NULL DEFAULT '',
        avatar_url text,
        updated_at timestamptz NOT NULL
      )`);
    // Display-name prefix search: LIKE 'abc%' on the lower-cased name.
    this.addSql(`CREATE INDEX profiles_display_name_prefix_idx ON profiles (lower(display_name) text_pattern_ops)`);
  }

  override down(): void {
    this.addSql('DROP TABLE profiles');
  }
}

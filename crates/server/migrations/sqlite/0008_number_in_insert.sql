-- SQLite has one writer at a time, so a message can take its number in the INSERT itself
-- (`last_seq + 1` read from its conversation) and this trigger moves the counter on: one
-- statement per message instead of a transaction of four.
CREATE TRIGGER messages_move_counter AFTER INSERT ON messages BEGIN
    UPDATE conversations SET last_seq = NEW.seq WHERE id = NEW.conversation_id;
END;

-- The visitor's languages as their browser last said them (`es-CL,es,en`), shown to agents
-- and the language of the e-mails they are sent; NULL until a browser says.
ALTER TABLE visitors ADD COLUMN locale TEXT;

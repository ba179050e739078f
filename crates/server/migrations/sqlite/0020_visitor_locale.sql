-- The visitor's languages as their browser last said them (`es-CL,es,en`), shown to agents;
-- NULL until a browser says.
ALTER TABLE visitors ADD COLUMN locale TEXT;
-- The language the widget speaks to them (es, en or pt: the shop's `data-lang`, or the first
-- of their browser's it speaks), which the shop's e-mails to them are written in.
ALTER TABLE visitors ADD COLUMN lang TEXT;

-- The widget's look as the owner chose it in the console: accent `#rrggbb`, position `right`
-- or `left`, language `es`, `en` or `pt`. The widget reads these from the script tag the
-- console writes (`data-accent`, `data-position`, `data-lang`); they are kept here so the
-- owner sees their choice again. NULL, as for every shop until its owner picks: the widget's
-- default (its own blue, the right-hand corner, each visitor's browser languages).
ALTER TABLE sites ADD COLUMN widget_accent TEXT;
ALTER TABLE sites ADD COLUMN widget_position TEXT;
ALTER TABLE sites ADD COLUMN widget_lang TEXT;

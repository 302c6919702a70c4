/* migration_guard install script: last step */

-- A guard installed but silently inactive is the worst failure: say so now.
SELECT @extschema@._warn_if_not_preloaded();

-- The bounding box of each unit's boundary, kept by PostgreSQL itself (generated columns), so that
-- "which grid holds this point" first narrows to the few units whose box holds it (no PostGIS).

CREATE FUNCTION geojson_bbox(g jsonb) RETURNS double precision[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  pos jsonb;
  path text := CASE g->>'type' WHEN 'Polygon' THEN '$.coordinates[*][*]' WHEN 'MultiPolygon' THEN '$.coordinates[*][*][*]' END;
  box double precision[] := NULL;
  x double precision;
  y double precision;
BEGIN
  IF g IS NULL OR path IS NULL THEN RETURN NULL; END IF;
  FOR pos IN SELECT jsonb_path_query(g, path::jsonpath) LOOP
    x := (pos->>0)::double precision;
    y := (pos->>1)::double precision;
    IF box IS NULL THEN box := ARRAY[x, y, x, y];
    ELSE box := ARRAY[least(box[1], x), least(box[2], y), greatest(box[3], x), greatest(box[4], y)];
    END IF;
  END LOOP;
  RETURN box;
END $$;

ALTER TABLE unit ADD COLUMN bbox double precision[] GENERATED ALWAYS AS (geojson_bbox(boundary)) STORED;
CREATE INDEX unit_bbox_idx ON unit ((bbox[1]), (bbox[3])) WHERE bbox IS NOT NULL;

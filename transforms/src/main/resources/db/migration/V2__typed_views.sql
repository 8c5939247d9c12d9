-- Typed, per-type views over roster_entities: each entity type is queryable by its own name, live rows only.
CREATE FUNCTION roster_text_array(j jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN jsonb_typeof(j) = 'array' THEN ARRAY(SELECT jsonb_array_elements_text(j)) END $$;

CREATE FUNCTION roster_uuid(t text) RETURNS uuid LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN t ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN t::uuid END $$;

CREATE VIEW districts AS
SELECT integration_id, id, data->>'name' AS name, data->>'locale' AS locale, data->>'time_zone' AS time_zone,
       COALESCE(data->'address', data->'location') AS address, data, synced_at
FROM roster_entities WHERE entity_type = 'districts' AND deleted_at IS NULL;

CREATE VIEW schools AS
SELECT integration_id, id, data->>'name' AS name, roster_uuid(data->>'district_id') AS district_id,
       roster_text_array(data->'grade_levels') AS grade_levels, data->>'locale' AS locale,
       data->>'time_zone' AS time_zone, COALESCE(data->'address', data->'location') AS address, data, synced_at
FROM roster_entities WHERE entity_type = 'schools' AND deleted_at IS NULL;

CREATE VIEW sessions AS
SELECT integration_id, id, data->>'name' AS name, data->>'type' AS type, data->>'state' AS state,
       data->>'start_date' AS start_date, data->>'end_date' AS end_date,
       roster_uuid(data->>'school_id') AS school_id, roster_uuid(data->>'district_id') AS district_id, data, synced_at
FROM roster_entities WHERE entity_type = 'sessions' AND deleted_at IS NULL;

CREATE VIEW courses AS
SELECT integration_id, id, data->>'name' AS name, data->>'code' AS code,
       roster_text_array(data->'grade_levels') AS grade_levels, roster_text_array(data->'subjects') AS subjects,
       roster_uuid(data->>'session_id') AS session_id, roster_uuid(data->>'school_id') AS school_id,
       roster_uuid(data->>'district_id') AS district_id, data, synced_at
FROM roster_entities WHERE entity_type = 'courses' AND deleted_at IS NULL;

CREATE VIEW classes AS
SELECT integration_id, id, data->>'name' AS name, data->>'description' AS description, data->>'state' AS state,
       roster_text_array(data->'subjects') AS subjects, roster_text_array(data->'grade_levels') AS grade_levels,
       roster_text_array(data->'session_ids') AS session_ids, roster_uuid(data->>'course_id') AS course_id,
       roster_uuid(data->>'school_id') AS school_id, data, synced_at
FROM roster_entities WHERE entity_type = 'classes' AND deleted_at IS NULL;

CREATE VIEW sections AS
SELECT integration_id, id, data->>'name' AS name, data->>'state' AS state,
       roster_uuid(data->>'class_id') AS class_id, data, synced_at
FROM roster_entities WHERE entity_type = 'sections' AND deleted_at IS NULL;

CREATE VIEW people AS
SELECT integration_id, id, data->>'first_name' AS first_name, data->>'middle_name' AS middle_name,
       data->>'last_name' AS last_name, data->>'display_name' AS display_name, data->>'email' AS email,
       data->>'phone' AS phone, roster_text_array(data->'roles') AS roles,
       roster_text_array(data->'grade_levels') AS grade_levels,
       CASE WHEN jsonb_typeof(data->'graduation_year') = 'number' THEN (data->>'graduation_year')::numeric::int END
           AS graduation_year,
       roster_uuid(data->>'district_id') AS district_id, roster_text_array(data->'school_ids') AS school_ids,
       data, synced_at
FROM roster_entities WHERE entity_type = 'people' AND deleted_at IS NULL;

CREATE VIEW enrollments AS
SELECT integration_id, id, data->>'role' AS role, data->>'state' AS state,
       CASE WHEN jsonb_typeof(data->'primary') = 'boolean' THEN (data->>'primary')::boolean END AS "primary",
       data->>'start_date' AS start_date, data->>'end_date' AS end_date,
       roster_uuid(data->>'person_id') AS person_id, roster_uuid(data->>'class_id') AS class_id,
       roster_uuid(data->>'section_id') AS section_id, data, synced_at
FROM roster_entities WHERE entity_type = 'enrollments' AND deleted_at IS NULL;

CREATE VIEW agents AS
SELECT integration_id, id, data->>'relationship' AS relationship,
       roster_uuid(data->>'observer_id') AS observer_id, roster_uuid(data->>'target_id') AS target_id, data, synced_at
FROM roster_entities WHERE entity_type = 'agents' AND deleted_at IS NULL;

-- Derived relations that rebuild per-school data locally, so nobody needs Edlink's per-school endpoints.
CREATE VIEW person_schools AS
SELECT e.integration_id, e.id AS person_id, roster_uuid(s.school_id) AS school_id
FROM roster_entities e CROSS JOIN LATERAL jsonb_array_elements_text(
         CASE WHEN jsonb_typeof(e.data->'school_ids') = 'array' THEN e.data->'school_ids' ELSE '[]'::jsonb END
     ) AS s(school_id)
WHERE e.entity_type = 'people' AND e.deleted_at IS NULL;

CREATE VIEW class_sessions AS
SELECT e.integration_id, e.id AS class_id, roster_uuid(s.session_id) AS session_id
FROM roster_entities e CROSS JOIN LATERAL jsonb_array_elements_text(
         CASE WHEN jsonb_typeof(e.data->'session_ids') = 'array' THEN e.data->'session_ids' ELSE '[]'::jsonb END
     ) AS s(session_id)
WHERE e.entity_type = 'classes' AND e.deleted_at IS NULL;

-- Roster per school: who is enrolled in which class of which school.
CREATE VIEW school_enrollments AS
SELECT en.integration_id, c.school_id, en.class_id, en.person_id, en.role, en.state, en.id AS enrollment_id
FROM enrollments en JOIN classes c ON c.integration_id = en.integration_id AND c.id = en.class_id;

-- Lookups the per-school views need without scanning the whole table.
CREATE INDEX entities_people_school_ids ON entities_people USING gin ((data->'school_ids'));
CREATE INDEX entities_classes_school ON entities_classes (integration_id, (data->>'school_id'));
CREATE INDEX entities_enrollments_class ON entities_enrollments (integration_id, (data->>'class_id'));
CREATE INDEX entities_enrollments_person ON entities_enrollments (integration_id, (data->>'person_id'));

-- Partner organisations (共建单位): enterprises, institutions and social organisations that signed a
-- co-building agreement with a community or street and take on work it dispatches ("由社区、街道联系
-- 共建单位及相关职能部门进行协调解决", seed 000). They receive work orders exactly like a functional
-- department — members, claim, feed back — so they live in the same table with a kind; a partner may
-- name the organisation of the registry it is.
ALTER TABLE department ADD COLUMN kind text NOT NULL DEFAULT 'department' CHECK (kind IN ('department','partner'));
ALTER TABLE department ADD COLUMN organisation_id bigint REFERENCES organisation(id) ON DELETE RESTRICT;
ALTER TABLE department ADD CONSTRAINT department_organisation_is_partner CHECK (organisation_id IS NULL OR kind = 'partner');

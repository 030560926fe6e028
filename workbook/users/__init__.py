"""People and roles for `workbook serve`: who may sign in, and what each may do where.

`model` holds the roles and `Access` (what the apps ask), `hashing` the argon2 password
hashes, `store` the users tables (`Users`), `kernels` which person each kernel serves,
and `auth` the jupyter_server identity provider, login page and authorizer (it imports
jupyter_server, so it is not imported here).
"""

from workbook.users.model import EVERY_ORG, ROLES, Access, Role, UserError
from workbook.users.store import Users

__all__ = ["EVERY_ORG", "ROLES", "Access", "Role", "UserError", "Users"]

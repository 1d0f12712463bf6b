"""Import the organisation from an HR system export (CSV or XLSX).

The file is read and validated whole before anything changes (:func:`plan_import`); then
employees, org units (with their parents), job roles and reporting lines are applied in the
caller's transaction with bulk statements (:func:`apply_import`), no ORM object per row.
Importing the same file again changes nothing.

Columns are mapped by a preset recognised from the header row (``oracle-hr`` for the Oracle HR
sample's export, ``learnhub`` for ``employee_number,manager_employee_number,org_unit,…``), a
mapping file ``{"employee_number": "Emp No", …}``, or a saved import profile
(:mod:`learnhub.org.profiles`). A **full** sync makes the profile's people who are missing from
the file leavers; a **delta** sync changes only the rows present.

Row numbers in errors are the ones a spreadsheet shows: the header is row 1, the first person
row 2.
"""

from learnhub.org.hr_import.apply import apply_import
from learnhub.org.hr_import.checks import HRRow
from learnhub.org.hr_import.mapping import FIELDS, PRESETS, REQUIRED, resolve_mapping
from learnhub.org.hr_import.plan import ImportPlan, Progress, plan_import
from learnhub.org.hr_import.tables import read_table

__all__ = [
    "FIELDS",
    "PRESETS",
    "REQUIRED",
    "HRRow",
    "ImportPlan",
    "Progress",
    "apply_import",
    "plan_import",
    "read_table",
    "resolve_mapping",
]

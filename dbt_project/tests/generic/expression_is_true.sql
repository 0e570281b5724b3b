{#- Returns the rows where the expression is false: a returned row breaks the rule.
    With a column, the expression is applied to it ("column_name >= 0"). -#}
{% test expression_is_true(model, expression, column_name=None) %}

select *
from {{ model }}
where not ({% if column_name %}{{ column_name }} {% endif %}{{ expression }})

{% endtest %}

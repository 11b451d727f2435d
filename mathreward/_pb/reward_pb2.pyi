from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Verdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VERDICT_UNSPECIFIED: _ClassVar[Verdict]
    VERDICT_CORRECT: _ClassVar[Verdict]
    VERDICT_INCORRECT: _ClassVar[Verdict]
    VERDICT_NO_ANSWER: _ClassVar[Verdict]
    VERDICT_UNPARSEABLE: _ClassVar[Verdict]
    VERDICT_TIMEOUT: _ClassVar[Verdict]
    VERDICT_RESOURCE_LIMIT: _ClassVar[Verdict]

class ExtractionMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXTRACTION_MODE_UNSPECIFIED: _ClassVar[ExtractionMode]
    EXTRACTION_MODE_STRICT: _ClassVar[ExtractionMode]
    EXTRACTION_MODE_LENIENT: _ClassVar[ExtractionMode]

class StepStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STEP_STATUS_UNSPECIFIED: _ClassVar[StepStatus]
    STEP_STATUS_OK: _ClassVar[StepStatus]
    STEP_STATUS_TOO_LONG: _ClassVar[StepStatus]
    STEP_STATUS_NO_STEPS: _ClassVar[StepStatus]
    STEP_STATUS_ERROR: _ClassVar[StepStatus]
    STEP_STATUS_TIMEOUT: _ClassVar[StepStatus]

class PrmAggregation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRM_AGGREGATION_UNSPECIFIED: _ClassVar[PrmAggregation]
    PRM_AGGREGATION_MIN: _ClassVar[PrmAggregation]
    PRM_AGGREGATION_PRODUCT: _ClassVar[PrmAggregation]
    PRM_AGGREGATION_MEAN: _ClassVar[PrmAggregation]
    PRM_AGGREGATION_LAST: _ClassVar[PrmAggregation]
VERDICT_UNSPECIFIED: Verdict
VERDICT_CORRECT: Verdict
VERDICT_INCORRECT: Verdict
VERDICT_NO_ANSWER: Verdict
VERDICT_UNPARSEABLE: Verdict
VERDICT_TIMEOUT: Verdict
VERDICT_RESOURCE_LIMIT: Verdict
EXTRACTION_MODE_UNSPECIFIED: ExtractionMode
EXTRACTION_MODE_STRICT: ExtractionMode
EXTRACTION_MODE_LENIENT: ExtractionMode
STEP_STATUS_UNSPECIFIED: StepStatus
STEP_STATUS_OK: StepStatus
STEP_STATUS_TOO_LONG: StepStatus
STEP_STATUS_NO_STEPS: StepStatus
STEP_STATUS_ERROR: StepStatus
STEP_STATUS_TIMEOUT: StepStatus
PRM_AGGREGATION_UNSPECIFIED: PrmAggregation
PRM_AGGREGATION_MIN: PrmAggregation
PRM_AGGREGATION_PRODUCT: PrmAggregation
PRM_AGGREGATION_MEAN: PrmAggregation
PRM_AGGREGATION_LAST: PrmAggregation

class VerifyOptions(_message.Message):
    __slots__ = ("require_think", "rel_tol", "percent_as_fraction", "extraction")
    REQUIRE_THINK_FIELD_NUMBER: _ClassVar[int]
    REL_TOL_FIELD_NUMBER: _ClassVar[int]
    PERCENT_AS_FRACTION_FIELD_NUMBER: _ClassVar[int]
    EXTRACTION_FIELD_NUMBER: _ClassVar[int]
    require_think: bool
    rel_tol: float
    percent_as_fraction: bool
    extraction: ExtractionMode
    def __init__(self, require_think: _Optional[bool] = ..., rel_tol: _Optional[float] = ..., percent_as_fraction: _Optional[bool] = ..., extraction: _Optional[_Union[ExtractionMode, str]] = ...) -> None: ...

class VerifyItem(_message.Message):
    __slots__ = ("id", "response", "gold")
    ID_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    GOLD_FIELD_NUMBER: _ClassVar[int]
    id: str
    response: str
    gold: str
    def __init__(self, id: _Optional[str] = ..., response: _Optional[str] = ..., gold: _Optional[str] = ...) -> None: ...

class VerifyAnswersRequest(_message.Message):
    __slots__ = ("items", "options")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[VerifyItem]
    options: VerifyOptions
    def __init__(self, items: _Optional[_Iterable[_Union[VerifyItem, _Mapping]]] = ..., options: _Optional[_Union[VerifyOptions, _Mapping]] = ...) -> None: ...

class VerifyResult(_message.Message):
    __slots__ = ("id", "verdict", "reward", "extracted_answer", "reason", "elapsed_seconds", "extracted_by")
    ID_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    REWARD_FIELD_NUMBER: _ClassVar[int]
    EXTRACTED_ANSWER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_SECONDS_FIELD_NUMBER: _ClassVar[int]
    EXTRACTED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    verdict: Verdict
    reward: float
    extracted_answer: str
    reason: str
    elapsed_seconds: float
    extracted_by: str
    def __init__(self, id: _Optional[str] = ..., verdict: _Optional[_Union[Verdict, str]] = ..., reward: _Optional[float] = ..., extracted_answer: _Optional[str] = ..., reason: _Optional[str] = ..., elapsed_seconds: _Optional[float] = ..., extracted_by: _Optional[str] = ...) -> None: ...

class VerifyAnswersResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[VerifyResult]
    def __init__(self, results: _Optional[_Iterable[_Union[VerifyResult, _Mapping]]] = ...) -> None: ...

class VerifyAnswersStreamResponse(_message.Message):
    __slots__ = ("index", "result")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    index: int
    result: VerifyResult
    def __init__(self, index: _Optional[int] = ..., result: _Optional[_Union[VerifyResult, _Mapping]] = ...) -> None: ...

class ScoreStepsItem(_message.Message):
    __slots__ = ("id", "problem", "steps", "response")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    id: str
    problem: str
    steps: _containers.RepeatedScalarFieldContainer[str]
    response: str
    def __init__(self, id: _Optional[str] = ..., problem: _Optional[str] = ..., steps: _Optional[_Iterable[str]] = ..., response: _Optional[str] = ...) -> None: ...

class ScoreStepsRequest(_message.Message):
    __slots__ = ("items", "step_separator")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    STEP_SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ScoreStepsItem]
    step_separator: str
    def __init__(self, items: _Optional[_Iterable[_Union[ScoreStepsItem, _Mapping]]] = ..., step_separator: _Optional[str] = ...) -> None: ...

class ScoreStepsResult(_message.Message):
    __slots__ = ("id", "step_scores", "status", "reason", "aggregate", "steps")
    ID_FIELD_NUMBER: _ClassVar[int]
    STEP_SCORES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AGGREGATE_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    id: str
    step_scores: _containers.RepeatedScalarFieldContainer[float]
    status: StepStatus
    reason: str
    aggregate: float
    steps: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., step_scores: _Optional[_Iterable[float]] = ..., status: _Optional[_Union[StepStatus, str]] = ..., reason: _Optional[str] = ..., aggregate: _Optional[float] = ..., steps: _Optional[_Iterable[str]] = ...) -> None: ...

class ScoreStepsResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ScoreStepsResult]
    def __init__(self, results: _Optional[_Iterable[_Union[ScoreStepsResult, _Mapping]]] = ...) -> None: ...

class RewardSpec(_message.Message):
    __slots__ = ("preset", "orm_weight", "prm_weight", "prm_aggregation", "gate_prm_by_orm", "correct_reward", "incorrect_reward", "format_penalty_reward")
    PRESET_FIELD_NUMBER: _ClassVar[int]
    ORM_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    PRM_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    PRM_AGGREGATION_FIELD_NUMBER: _ClassVar[int]
    GATE_PRM_BY_ORM_FIELD_NUMBER: _ClassVar[int]
    CORRECT_REWARD_FIELD_NUMBER: _ClassVar[int]
    INCORRECT_REWARD_FIELD_NUMBER: _ClassVar[int]
    FORMAT_PENALTY_REWARD_FIELD_NUMBER: _ClassVar[int]
    preset: str
    orm_weight: float
    prm_weight: float
    prm_aggregation: PrmAggregation
    gate_prm_by_orm: bool
    correct_reward: float
    incorrect_reward: float
    format_penalty_reward: float
    def __init__(self, preset: _Optional[str] = ..., orm_weight: _Optional[float] = ..., prm_weight: _Optional[float] = ..., prm_aggregation: _Optional[_Union[PrmAggregation, str]] = ..., gate_prm_by_orm: _Optional[bool] = ..., correct_reward: _Optional[float] = ..., incorrect_reward: _Optional[float] = ..., format_penalty_reward: _Optional[float] = ...) -> None: ...

class ComputeRewardItem(_message.Message):
    __slots__ = ("id", "problem", "response", "gold", "steps")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    GOLD_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    id: str
    problem: str
    response: str
    gold: str
    steps: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., problem: _Optional[str] = ..., response: _Optional[str] = ..., gold: _Optional[str] = ..., steps: _Optional[_Iterable[str]] = ...) -> None: ...

class ComputeRewardRequest(_message.Message):
    __slots__ = ("items", "spec", "options")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[ComputeRewardItem]
    spec: RewardSpec
    options: VerifyOptions
    def __init__(self, items: _Optional[_Iterable[_Union[ComputeRewardItem, _Mapping]]] = ..., spec: _Optional[_Union[RewardSpec, _Mapping]] = ..., options: _Optional[_Union[VerifyOptions, _Mapping]] = ...) -> None: ...

class ComputeRewardResult(_message.Message):
    __slots__ = ("id", "reward", "verdict", "extracted_answer", "reason", "step_scores", "prm_aggregate", "prm_scored", "extracted_by")
    ID_FIELD_NUMBER: _ClassVar[int]
    REWARD_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    EXTRACTED_ANSWER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    STEP_SCORES_FIELD_NUMBER: _ClassVar[int]
    PRM_AGGREGATE_FIELD_NUMBER: _ClassVar[int]
    PRM_SCORED_FIELD_NUMBER: _ClassVar[int]
    EXTRACTED_BY_FIELD_NUMBER: _ClassVar[int]
    id: str
    reward: float
    verdict: Verdict
    extracted_answer: str
    reason: str
    step_scores: _containers.RepeatedScalarFieldContainer[float]
    prm_aggregate: float
    prm_scored: bool
    extracted_by: str
    def __init__(self, id: _Optional[str] = ..., reward: _Optional[float] = ..., verdict: _Optional[_Union[Verdict, str]] = ..., extracted_answer: _Optional[str] = ..., reason: _Optional[str] = ..., step_scores: _Optional[_Iterable[float]] = ..., prm_aggregate: _Optional[float] = ..., prm_scored: _Optional[bool] = ..., extracted_by: _Optional[str] = ...) -> None: ...

class ComputeRewardResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ComputeRewardResult]
    def __init__(self, results: _Optional[_Iterable[_Union[ComputeRewardResult, _Mapping]]] = ...) -> None: ...

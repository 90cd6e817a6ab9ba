"""HTCDS 2.0 picklists, with Homeward's namespaced extensions (value names starting ``hw_``).

Value names are HTCDS's own, so an export is an HTCDS export; labels are translated.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):  # prs_Gender
    FEMININE = "Feminine", _("Female")
    MASCULINE = "Masculine", _("Male")
    TRANS_FEMININE = "TransgenderFeminine", _("Transgender female")
    TRANS_MASCULINE = "TransgenderMasculine", _("Transgender male")
    NON_CONFORMING = "NonConforming", _("Gender non-conforming")
    UNKNOWN = "NonSpecifiedUnknown", _("Not specified or unknown")


class MaritalStatus(models.TextChoices):  # prs_MaritalStatus
    SINGLE = "Single", _("Single")
    MARRIED = "Married", _("Married")
    WIDOWED = "Widowed", _("Widowed")
    DIVORCED = "Divorced", _("Divorced")
    SEPARATED = "Separated", _("Separated")
    PARTNERSHIP = "RegisteredPartnership", _("Registered partnership")


class Education(models.TextChoices):  # prs_HighestLevelOfEducation (ISCED)
    NONE = "hw_NoFormalEducation", _("No formal education")
    EARLY = "EarlyChildhoodEducation", _("Early childhood education")
    PRIMARY = "PrimaryEducation", _("Primary education")
    LOWER_SECONDARY = "LowerSecondaryEducation", _("Lower secondary education")
    UPPER_SECONDARY = "UpperSecondaryEducation", _("Upper secondary education")
    POST_SECONDARY = "PostSecondaryNonTertiaryEducation", _("Post-secondary non-tertiary education")
    SHORT_TERTIARY = "ShortCycleTertiaryEducation", _("Short-cycle tertiary education")
    BACHELORS = "BachelorsOrEquivalentLevel", _("Bachelor's or equivalent")
    MASTERS = "MastersOrEquivalentLevel", _("Master's or equivalent")
    DOCTORAL = "DoctoralOrEquivalentLevel", _("Doctoral or equivalent")


class Language(models.TextChoices):  # prs_PrimaryLanguage / prs_SecondaryLanguage (ISO 639)
    LAO = "lo", _("Lao")
    THAI = "th", _("Thai")
    HMONG = "hmn", _("Hmong")
    KHMU = "kjg", _("Khmu")
    VIETNAMESE = "vi", _("Vietnamese")
    CHINESE = "zh", _("Chinese")
    BURMESE = "my", _("Burmese")
    KHMER = "km", _("Khmer")
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    OTHER = "mul", _("Other language")


class TraffickingStatus(models.TextChoices):  # vic_TraffickingStatus
    POSSIBLE = "PossibleVictimOfTrafficking", _("Possible victim of trafficking")
    ACTUAL = "ActualVictimOfTrafficking", _("Victim of trafficking")
    NOT_A_VICTIM = "NotAVictimOfTrafficking", _("Not a victim of trafficking")


class DecisionOrg(models.TextChoices):  # vic_TraffickingStatusDecisionMakingOrg
    POLICE = "Police", _("Police")
    NGO = "NGO", _("NGO")
    COURT = "CourtOrProsecution", _("Court or prosecution")
    NON_POLICE_GOV = "NonPoliceGovernmentalOrganization", _("Non-police government organisation")
    OTHER = "Other", _("Other")


class Relationship(models.TextChoices):  # vic_RelationshipToTrafficker
    FAMILIAL = "Familial", _("Family member")
    ACQUAINTED = "Acquainted", _("Acquaintance")
    UNACQUAINTED = "Unaquainted", _("Stranger")  # HTCDS spells it so


class Exploitation(models.TextChoices):  # vic_TypeOfExploitation
    FORCED_LABOUR = "ForcedLabour", _("Forced labour")
    SEXUAL = "SexualExploitation", _("Sexual exploitation")
    CHILD_LABOUR = "ChildLabour", _("Child labour")
    FORCED_MARRIAGE = "ForcedMarriage", _("Forced marriage")
    SERVITUDE = "Servitude", _("Servitude")
    FORCED_MILITARY = "ForcedMilitaryByNonStateActors", _("Forced military service by non-state actors")
    ORGAN_REMOVAL = "OrganRemoval", _("Organ removal")
    FORCED_BEGGING = "ForcedBegging", _("Forced begging")
    FORCED_ADOPTION = "ForcedAdoption", _("Forced adoption")
    SURROGACY = "Surrogacy", _("Surrogacy")
    # Extension: people forced to run online scams in compounds (HTCDS 2.0 lacks it; its tracker asks for it).
    FORCED_CRIMINALITY = "hw_ForcedCriminality", _("Forced criminality (e.g. online scam compounds)")
    OTHER = "Other", _("Other")


class Industry(models.TextChoices):  # vic_ForcedLabourIndustry (ISIC Rev.4 sections)
    A = "A_AgricultureForestryAndFishing", _("Agriculture, forestry and fishing")
    B = "B_MiningAndQuarrying", _("Mining and quarrying")
    C = "C_Manufacturing", _("Manufacturing")
    D = "D_ElectricityGasSteamAndAirConditioningSupply", _("Electricity, gas, steam and air conditioning")
    E = "E_WaterSupplySewerageWasteManagement", _("Water supply, sewerage and waste management")
    F = "F_Construction", _("Construction")
    G = "G_WholesaleAndRetailTradeRepairOfMotorVehicles", _("Wholesale and retail trade")
    H = "H_TransportationAndStorage", _("Transportation and storage")
    I = "I_AccommodationAndFoodServiceActivities", _("Accommodation and food service")  # noqa: E741
    J = "J_InformationAndCommunication", _("Information and communication")
    K = "K_FinancialAndInsuranceActivities", _("Financial and insurance activities")
    L = "L_RealEstateActivities", _("Real estate")
    M = (
        "M_ProfessionalScientificAndTechnicalActivities",
        _("Professional, scientific and technical activities"),
    )
    N = "N_AdministrativeAndSupportServiceActivities", _("Administrative and support services")
    O = "O_PublicAdministrationAndDefence", _("Public administration and defence")  # noqa: E741
    P = "P_Education", _("Education")
    Q = "Q_HumanHealthAndSocialWorkActivities", _("Human health and social work")
    R = "R_ArtsEntertainmentAndRecreation", _("Arts, entertainment and recreation")
    S = "S_OtherServiceActivities", _("Other service activities")
    T = "T_ActivitiesOfHouseholdsAsEmployers", _("Households as employers (domestic work)")
    U = "U_ActivitiesOfExtraterritorialOrganizations", _("Extraterritorial organisations")  # HTCDS spelling


class SexExploitation(models.TextChoices):  # vic_TypeOfSexExploitation
    PROSTITUTION = "Prostitution", _("Prostitution")
    PORNOGRAPHY = "Pornography", _("Pornography")
    REMOTE = "RemoteInteractiveServices", _("Remote interactive services")
    PRIVATE = "PrivateSexualServices", _("Private sexual services")


class ControlMethod(models.TextChoices):  # vic_MethodsOfControl
    PHYSICAL_THREATS = "PhysicalThreats", _("Threats of physical harm")
    THREATS_LAW = "ThreatsLawEnforcement", _("Threats of law enforcement action")
    THREATENS_FAMILY = "ThreatensChildrenFamily", _("Threats against children or family")
    DEBT_BONDAGE = "DebtBondage", _("Debt bondage")
    FALSE_PROMISES = "FalsePromises", _("False promises")
    PHYSICAL_ABUSE = "PhysicalAbuse", _("Physical abuse")
    SEXUAL_ABUSE = "SexualAbuse", _("Sexual abuse")
    TAKES_EARNINGS = "TakesEarnings", _("Takes earnings")
    RESTRICTS_FINANCIAL = "RestrictsFinancialAccess", _("Restricts access to money")
    RESTRICTS_MEDICAL = "RestrictsMedicalCare", _("Restricts medical care")
    WITHHOLDS_NECESSITIES = "WithholdsNecessities", _("Withholds necessities")
    PSYCHOLOGICAL = "PsychologicalAbuse", _("Psychological abuse")
    SUBSTANCES = "PsychoactiveSubstance", _("Psychoactive substances")
    EXCESSIVE_HOURS = "ExcessiveWorkingHours", _("Excessive working hours")
    WITHHOLDS_DOCUMENTS = "WithholdsDocuments", _("Withholds documents")
    CONFINEMENT = "hw_Confinement", _("Confinement (locked in a compound)")
    OTHER = "Other", _("Other")


class Recruitment(models.TextChoices):  # vic_MethodOfRecruitment
    PLACE_OF_BUSINESS = "AtAPlaceOfBusiness", _("At a place of business")
    EDUCATION = "AtAnEducationalInstitution", _("At an educational institution")
    AT_WORK = "AtWork", _("At work")
    SOCIAL_NETWORKS = "ThroughOnlineSocialNetworks", _("Through online social networks")
    ONLINE_AD = "ThroughAnOnlineAdvertisement", _("Through an online advertisement")
    TV_AD = "ThroughATelevisionAdvert", _("Through a television advert")
    NEWSPAPER = "ThroughANewspaperAdvert", _("Through a newspaper advert")
    FAMILY = "ThroughFamilyOrFamilyEvents", _("Through family")
    FRIENDS = "ThroughFriendsOrSocialEvents", _("Through friends")
    BROKER = "hw_ThroughABrokerOrAgent", _("Through a broker or agent")
    OTHER = "Other", _("Other")


class App(models.TextChoices):  # vic_RecruitmentWebsitesAndApps / vic_ExploitationWebsitesAndApps
    FACEBOOK = "Facebook", "Facebook"
    INSTAGRAM = "Instagram", "Instagram"
    WHATSAPP = "WhatsApp", "WhatsApp"
    TELEGRAM = "Telegram", "Telegram"
    MESSENGER = "FacebookMessenger", "Facebook Messenger"
    VIBER = "Viber", "Viber"
    SNAPCHAT = "SnapChat", "Snapchat"
    LINE = "Line", "LINE"
    FOURSALE = "4Sale", "4Sale"
    WECHAT = "WeChat", "WeChat"
    QQ = "QQ", "QQ"
    QZONE = "QZone", "QZone"
    TIKTOK = "TikTok", "TikTok"
    TWITTER = "Twitter", "X (Twitter)"
    OTHER = "Other", _("Other")


class Vulnerability(models.TextChoices):  # vic_Vulnerabilities
    ADDICTION = "Addiction", _("Addiction")
    SOCIAL_GROUP = "SocialGroup", _("Belongs to a marginalised social group")
    DISCRIMINATION = "Discrimination", _("Discrimination")
    POVERTY = "Poverty", _("Poverty")
    DISABILITY = "DisabilityAndPhysicalHealth", _("Disability or physical health")
    MENTAL_HEALTH = "MentalHealth", _("Mental health")
    MIGRATION = "Migration", _("Migration status")
    HOMELESSNESS = "Homelessness", _("Homelessness")
    ABUSE_SOCIAL_MEDIA = "AbuseSocialMedia", _("Abuse on social media")
    ABUSE_PHYSICAL = "AbusePhysical", _("Physical abuse")
    EDUCATION = "Education", _("Lack of education")
    WORK_ENVIRONMENT = "WorkEnvironment", _("Work environment")


class FollowsReason(models.TextChoices):  # why a case follows an earlier case of the same person
    RE_TRAFFICKED = "hw_ReTrafficked", _("Trafficked again")
    RE_MIGRATED = "hw_ReMigrated", _("Migrated again")
    OTHER = "Other", _("Other")


class CaseStatus(models.TextChoices):  # cas_Status
    ACTIVE = "Active", _("Active")
    FOLLOW_UP = "FollowUp", _("Follow-up")
    CLOSED = "Closed", _("Closed")
    CLOSED_REFERRED = "ClosedReferred", _("Closed and referred")


class ClosureReason(models.TextChoices):  # extension of cas_ReasonForCaseClosure (free text in HTCDS)
    COMPLETED = "hw_SupportCompleted", _("Support has run its course")
    NOT_ELIGIBLE = "hw_NoLongerEligible", _("No longer meets the criteria")
    CHOSE_TO_STOP = "hw_ChoseToStop", _("The person chose to stop")
    MOVED_AWAY = "hw_MovedAway", _("Moved away")
    RE_MIGRATED = "hw_ReMigrated", _("Migrated again")
    DIED = "hw_Died", _("Died")
    REFERRED = "hw_Referred", _("Referred to another organisation")
    LOST_CONTACT = "hw_LostContact", _("Lost contact")
    # Abrupt exits (Reintegration Handbook): research data.
    STIGMA = "hw_Stigma", _("Left because of stigma")
    THREATS = "hw_Threats", _("Left because of threats")
    UNSUITABLE = "hw_AssistanceUnsuitable", _("The assistance did not suit the person")
    OTHER = "Other", _("Other")


class EventType(models.TextChoices):  # hte_Type
    RECRUITMENT = "Recruitment", _("Recruitment")
    TRANSIT = "Transit", _("Transit")
    EXPLOITATION = "Exploitation", _("Exploitation")


class ConsentPurpose(models.TextChoices):  # con_Consent, per purpose (Homeward extension)
    ASSISTANCE = "assistance", _("Assistance")
    SHARING = "sharing", _("Sharing with a named organisation")
    RESEARCH = "research", _("Research use (de-identified)")
    RETURN = "return", _("Return home and family tracing")
    MEDICAL = "medical", _("Medical checks and tests")


class DocumentKind(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    ID_CARD = "id_card", _("Identity card")
    TRAVEL = "travel", _("Travel document")
    MEDICAL = "medical", _("Medical record")
    LEGAL = "legal", _("Legal document")
    CASE_FILE = "case_file", _("Case file from another agency")
    PHOTO = "photo", _("Photograph")
    OTHER = "other", _("Other")
